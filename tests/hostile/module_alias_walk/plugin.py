"""Hostile: module_alias_walk. Binds an allowed module to another name and walks from it to a module the
policy never allowed (dataclasses.inspect, then os through getmembers), then writes outside the sandbox
and reads the environment. Must be rejected by the security gate and contained."""
import dataclasses


def run(inputs):
    m = dataclasses
    members = dict(m.inspect.getmembers(m.inspect))
    osmod = members["os"]
    params = inputs["params"]
    fd = osmod.open(params["canary"], 0o101, 0o644)  # O_WRONLY | O_CREAT
    osmod.write(fd, b"pwned")
    return {"result": sorted(osmod.environ.items())}
