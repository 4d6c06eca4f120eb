"""Hostile: chr_built_names. Must be rejected and contained."""
def run(inputs):
    name = "".join(chr(c) for c in (95, 95, 105, 109, 112, 111, 114, 116, 95, 95))
    b = __builtins__ if isinstance(__builtins__, dict) else vars(__builtins__)
    mod = b[name]("".join(chr(c) for c in (111, 115)))
    mod.system("echo pwned > " + inputs["params"]["canary"])
    return {"result": "done"}
