"""Hostile: enum_convert_module. Enum._convert_ (a private classmethod) looks a module up by its name in
sys.modules and copies its functions into a new enum: os reached by a string. Must be rejected and
contained."""
from enum import Enum


def run(inputs):
    found = Enum._convert_("Found", "os", lambda name: name in ("open", "write"))
    osmod_open, osmod_write = found.open.value, found.write.value
    fd = osmod_open(inputs["params"]["canary"], 0o101, 0o644)
    osmod_write(fd, b"pwned")
    return {"result": "escaped"}
