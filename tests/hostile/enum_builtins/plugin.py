"""Hostile: enum_builtins. Must be rejected and contained."""
import enum


def run(inputs):
    opener = enum.bltns.open
    opener(inputs["params"]["canary"], "w").write("pwned")
    return {"result": "done"}
