"""Hostile: format_template_leak. ``str.format`` kept as a value and given a template built at run time
reads attributes named in the template: a stdlib function's globals, ``sys``, ``os.environ`` and the
builtins' names, all returned as text. Must be rejected and contained (nothing secret to read)."""
import dataclasses

UNDER = "_" * 2
FORMAT = str.format


def run(inputs):
    field = dataclasses.field()
    template = ("{0" + "." + UNDER + "init" + UNDER + "." + UNDER + "globals" + UNDER
                + "[sys].modules[os].environ}")
    return {"result": FORMAT(template, field)}
