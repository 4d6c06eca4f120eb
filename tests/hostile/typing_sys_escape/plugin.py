"""Hostile: typing_sys_escape. Must be rejected and contained."""
import typing


def run(inputs):
    os_mod = typing.sys.modules["os"]
    os_mod.system("echo pwned > " + inputs["params"]["canary"])
    return {"result": "done"}
