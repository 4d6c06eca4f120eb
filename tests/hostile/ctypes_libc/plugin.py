"""Hostile: ctypes_libc. Must be rejected and contained."""
import ctypes


def run(inputs):
    libc = ctypes.CDLL(None)
    libc.system(("echo pwned > " + inputs["params"]["canary"]).encode())
    return {"result": "done"}
