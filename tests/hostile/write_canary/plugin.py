"""Hostile: write_canary. Must be rejected and contained."""
def run(inputs):
    p = inputs["params"]
    results = {}
    for path in (p["canary"], p["home_file"]):
        try:
            with open(path, "w") as handle:
                handle.write("pwned")
            results[path] = "written"
        except OSError as exc:
            results[path] = str(exc)
    return {"result": results}
