"""Hostile: attrgetter_module_attr. Keeps ``operator.attrgetter`` itself (reached as a module attribute, not
imported under another name) and calls it later with run-time names: the function's globals, the builtins,
the import function, os. Must be rejected and contained."""
import operator

PICK = operator.attrgetter
UNDER = "_" * 2


def run(inputs):
    space = PICK(UNDER + "globals" + UNDER)(run)
    table = space[UNDER + "builtins" + UNDER]
    table = table if isinstance(table, dict) else PICK(UNDER + "dict" + UNDER)(table)
    osmod = table[UNDER + "import" + UNDER]("os")
    fd = osmod.open(inputs["params"]["canary"], 0o101, 0o644)
    osmod.write(fd, b"pwned")
    return {"result": "escaped"}
