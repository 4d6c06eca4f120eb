"""Hostile: lambda_globals. Must be rejected and contained."""
def run(inputs):
    f = lambda: None  # noqa: E731
    g = f.__globals__["__builtins__"]
    imp = g["__import__"] if isinstance(g, dict) else g.__import__
    imp("os").system("echo pwned > " + inputs["params"]["canary"])
    return {"result": "done"}
