"""Hostile: typing_types_code. Must be rejected and contained."""
import typing


def run(inputs):
    code = (lambda: None).__code__
    function_type = typing.types.FunctionType
    return {"result": str(function_type(code, {})())}
