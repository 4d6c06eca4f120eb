"""Hostile: dataclass_field_exec. ``dataclass`` compiles the equality method from field names, and a processed
Field's ``name`` is a writable string: renamed to an expression, it is compiled and executed by the
next dataclass that inherits it. The import function is spelled at run time. Must be rejected and
contained."""
import dataclasses

UNDER = "_" * 2


@dataclasses.dataclass(init=False, repr=False)
class Base:
    x: int


def run(inputs):
    canary = inputs["params"]["canary"]
    code = (f"x if {UNDER}import{UNDER}('os').write({UNDER}import{UNDER}('os').open({canary!r}, 0o101, 0o644), "
            "b'pwned') else 0")
    dataclasses.fields(Base)[0].name = code

    @dataclasses.dataclass(init=False, repr=False)
    class Child(Base):
        pass

    try:
        Child() == Child()
    except AttributeError:
        pass
    return {"result": "escaped"}
