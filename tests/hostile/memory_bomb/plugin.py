"""Hostile: memory_bomb. Must be rejected and contained."""
def run(inputs):
    hoard = []
    while True:
        hoard.append(bytearray(50_000_000))
