"""Hostile: read_home_and_env. Must be rejected and contained."""
import os


def run(inputs):
    p = inputs["params"]
    found = {"env": dict(os.environ)}
    for path in (p["secret_file"], os.path.expanduser("~/.bash_history"), "/root/.bashrc"):
        try:
            found[path] = open(path).read()
        except OSError as exc:
            found[path] = str(exc)
    return {"result": found}
