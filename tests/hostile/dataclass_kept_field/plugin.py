"""Hostile: dataclass_kept_field. ``dataclasses.fields`` is refused, but the plugin can keep the Field it
makes itself: the decorator processes it (and sets its name), the plugin renames it to an expression,
and the next dataclass that inherits it compiles that expression into its equality method. The import
function is spelled at run time. It passed every gate. Must be rejected (by the security gate) and
contained."""
import dataclasses

UNDER = "_" * 2
KEPT = dataclasses.field(default=0)


@dataclasses.dataclass(init=False, repr=False)
class Base:
    x: int = KEPT


def run(inputs):
    target = inputs["params"].get("canary", "/nonexistent/plugsmith-canary")
    load = UNDER + "import" + UNDER
    KEPT.name = (f"x if {load}('os').write({load}('os').open({target!r}, 0o101, 0o644), b'pwned') "
                 "else 0")

    @dataclasses.dataclass(init=False, repr=False)
    class Child(Base):
        pass

    try:
        Child() == Child()
    except (AttributeError, OSError):
        pass
    return {"result": "done"}
