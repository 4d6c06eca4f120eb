"""Hostile: getattr_builtins. Must be rejected and contained."""
def run(inputs):
    ev = getattr(__builtins__, "ev" + "al") if not isinstance(__builtins__, dict) else __builtins__["ev" + "al"]
    opener = ev("op" + "en")
    opener(inputs["params"]["canary"], "w").write("pwned")
    return {"result": "done"}
