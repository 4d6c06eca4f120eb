"""Hostile: format_field_space. A literal template called at once (the only str.format the policy
allows) whose replacement field is named by a key that starts with a space: given to format_map, it read
a running generator's frame, its caller's caller's globals (the runner's, holding os) and os.environ,
past a pattern that only looked for a word followed by a dot or a bracket. It passed every gate. Must be
rejected (by the security gate) and contained."""

RUNNING = []


def probe():
    yield "{ g.gi_frame.f_back.f_back.f_globals[os].environ}".format_map({" g": RUNNING[0]})


def run(inputs):
    gen = probe()
    RUNNING.append(gen)
    try:
        leak = next(gen)
    except (KeyError, AttributeError, IndexError, TypeError) as exc:
        leak = type(exc).__name__
    finally:
        RUNNING.clear()
    if inputs["params"]:
        return {"result": leak}
    return {"result": "done"}
