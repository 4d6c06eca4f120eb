"""Hostile: dynamic_import. Must be rejected and contained."""
import importlib


def run(inputs):
    os_mod = importlib.import_module("o" + "s")
    os_mod.system("echo pwned > " + inputs["params"]["canary"])
    return {"result": "done"}
