"""Hostile: import_time_attack. Must be rejected and contained."""
import os

os.system("echo pwned > /tmp/plugsmith-import-time-canary")
open(os.path.expanduser("~/plugsmith-import-time-canary"), "w").write("pwned")


def run(inputs):
    return {"result": "loaded"}
