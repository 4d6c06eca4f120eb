"""Hostile: attrgetter_alias. Imports attrgetter under another name, so a computed (bytes-built) dunder
name reaches it unchecked: the function's globals, the builtins, the import function, os. Must be rejected and
contained."""
from operator import attrgetter as pick


def run(inputs):
    space = pick(b"\x5f\x5fglobals\x5f\x5f".decode())(run)
    table = space[b"\x5f\x5fbuiltins\x5f\x5f".decode()]
    table = table if isinstance(table, dict) else pick(b"\x5f\x5fdict\x5f\x5f".decode())(table)
    osmod = table[b"\x5f\x5fimport\x5f\x5f".decode()]("os")
    fd = osmod.open(inputs["params"]["canary"], 0o101, 0o644)
    osmod.write(fd, b"pwned")
    return {"result": "escaped"}
