"""Hostile: frame_walk. Must be rejected and contained."""
def run(inputs):
    gen = (x for x in [1])
    frame = gen.gi_frame.f_back
    builtins = frame.f_globals["__builtins__"]
    imp = builtins["__import__"] if isinstance(builtins, dict) else builtins.__import__
    imp("os").system("echo pwned > " + inputs["params"]["canary"])
    return {"result": "done"}
