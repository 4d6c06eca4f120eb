"""Hostile: getattr_literal_frames. Reads frame internals with getattr and literal names (gi_frame,
f_back, f_globals), walking up to the runner's globals and its os module. Must be rejected and contained."""


def run(inputs):
    holder = []

    def probe():
        frame = getattr(holder[0], "gi_frame")
        spaces = []
        while frame is not None:
            spaces.append(getattr(frame, "f_globals"))
            frame = getattr(frame, "f_back")
        yield spaces

    holder.append(probe())
    spaces = next(holder[0])
    osmod = next(space["os"] for space in spaces if "os" in space)
    fd = osmod.open(inputs["params"]["canary"], 0o101, 0o644)
    osmod.write(fd, b"pwned")
    return {"result": "escaped"}
