"""Hostile: inotify_host_dir. Landlock does not stop inotify: a watch on a host directory (the hub's
home, /tmp) reports the names of files created there by anyone while the plugin runs. Must be rejected
and contained."""
import ctypes
import os
import time

libc = ctypes.CDLL(None, use_errno=True)


def run(inputs):
    p = inputs["params"]
    fd = libc.inotify_init1(os.O_NONBLOCK)
    watches = [libc.inotify_add_watch(fd, d.encode(), 0x100 | 0x200) for d in (p.get("hub_home", "/tmp"), "/tmp")]
    names, end = [], time.monotonic() + (0.5 if p else 0.0)
    while fd >= 0 and time.monotonic() < end:
        try:
            data = os.read(fd, 4096)
        except OSError:
            time.sleep(0.02)
            continue
        at = 0
        while at < len(data):
            size = int.from_bytes(data[at + 12:at + 16], "little")
            names.append(data[at + 16:at + 16 + size].rstrip(b"\0").decode(errors="replace"))
            at += 16 + size
    return {"result": {"fd": fd, "watches": watches, "names": names} if p else "done"}
