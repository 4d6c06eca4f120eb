"""Hostile: infinite_loop. Must be rejected and contained."""
def run(inputs):
    n = 0
    while True:
        n += 1
