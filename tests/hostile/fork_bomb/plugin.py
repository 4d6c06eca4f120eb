"""Hostile: fork_bomb. Must be rejected and contained."""
import os


def run(inputs):
    children = 0
    for _ in range(10000):
        try:
            os.fork()
            children += 1
        except OSError:
            break
    return {"result": children}
