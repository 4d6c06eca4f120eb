"""Hostile: shell_out. Must be rejected and contained."""
import os
import subprocess


def run(inputs):
    canary = inputs["params"]["canary"]
    try:
        subprocess.run(["/bin/sh", "-c", "echo pwned > " + canary], check=False)
    except OSError:
        pass
    os.system("echo pwned > " + canary)
    return {"result": "done"}
