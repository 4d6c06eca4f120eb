"""Hostile: subclasses_walk. Must be rejected and contained."""
def run(inputs):
    for cls in ().__class__.__bases__[0].__subclasses__():
        if cls.__name__ == "_wrap_close":
            cls.__init__.__globals__["system"]("echo pwned > " + inputs["params"]["canary"])
    return {"result": "done"}
