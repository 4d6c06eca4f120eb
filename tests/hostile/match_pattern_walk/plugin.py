"""Hostile: match_pattern_walk. Must be rejected and contained."""
def run(inputs):
    match ():
        case object(__class__=tuple_type):
            pass
    match tuple_type:
        case object(__base__=base):
            pass
    match base:
        case object(__subclasses__=subclasses):
            pass
    for cls in subclasses():
        if cls.__name__ == "_wrap_close":
            match cls:
                case object(__init__=init):
                    pass
            match init:
                case object(__globals__=env):
                    env["system"]("echo pwned > " + inputs["params"]["canary"])
    return {"result": "done"}
