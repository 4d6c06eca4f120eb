"""Hostile: annotation_eval. Must be rejected and contained."""
from functools import singledispatch


@singledispatch
def handle(value):
    return value


def run(inputs):
    canary = inputs["params"]["canary"]

    @handle.register
    def _(value: "open(canary, 'w').write('pwned') and int"):
        return value

    return {"result": "done"}
