"""Hostile: chmod_outside. Landlock fences a file's contents, not its mode, owner, times or extended
attributes: under the fallback a plugin could make a file its uid owns outside the fence (as root: any
file of uid 65534; otherwise the caller's own, the hub's included) world-writable, back-date it or tag
it. Must be rejected and contained."""
import os


def run(inputs):
    p = inputs["params"]
    got = {}
    for path in (p.get("owned_file"), p.get("canary"), p.get("hub_home")):
        if not path:
            continue
        for name, change in (("chmod", lambda: os.chmod(path, 0o777)), ("utime", lambda: os.utime(path, (0, 0))),
                             ("xattr", lambda: os.setxattr(path, "user.pwned", b"1")),
                             ("chown", lambda: os.chown(path, os.getuid(), os.getgid()))):
            try:
                change()
                got[name + ":" + path] = "changed"
            except OSError as exc:
                got[name + ":" + path] = str(exc)
    return {"result": got if p else "done"}
