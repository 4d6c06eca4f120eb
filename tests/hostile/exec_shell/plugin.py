"""Hostile: exec_shell. Must be rejected and contained."""
import os


def run(inputs):
    os.execv("/bin/sh", ["sh", "-c", "echo pwned > " + inputs["params"]["canary"]])
