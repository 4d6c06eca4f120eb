"""Hostile: sleeper. Must be rejected and contained."""
import time


def run(inputs):
    time.sleep(3600)
    return {"result": "woke"}
