"""Hostile: bytes_forward_ref. Builds code with a dunder name from a bytes literal and has typing evaluate
it as a forward reference (ForwardRef._evaluate calls eval). Must be rejected and contained."""
import typing


def run(inputs):
    canary = inputs["params"]["canary"]
    code = (b"\x5f\x5fimport\x5f\x5f('builtins').open(" + repr(canary).encode() + b", 'w').write('pwned')")
    ref = typing.get_args(typing.Optional[code.decode()])[0]
    try:
        ref._evaluate({}, {}, frozenset())
    except TypeError:  # the result is not a type; the side effect already happened
        pass
    return {"result": "evaluated"}
