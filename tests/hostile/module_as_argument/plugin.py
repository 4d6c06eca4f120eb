"""Hostile: module_as_argument. Hands an allowed module to a function and to getattr with a literal name,
so no attribute chain starts at the imported name. Must be rejected and contained."""
import typing


def reach(mod):
    return getattr(mod, "types")


def run(inputs):
    types_module = reach(typing)
    sysmod = getattr(typing, "sys")
    return {"result": [str(types_module), sorted(sysmod.environ.items()) if hasattr(sysmod, "environ")
                       else sorted(sysmod.argv)]}
