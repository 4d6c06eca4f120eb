"""Hostile: giant_output. Must be rejected and contained."""
def run(inputs):
    print("spam" * 1_000_000)
    return {"result": "x" * 60_000_000}
