"""``plugsmith hub cases add|list|remove``: the named benchmark cases a capability keeps in the hub.

They are what a spec's named tests resolve to after the files beside it (``"tests": ["golden_case_1",
"edge_case_2"]``, as the seed's template writes them) and what the benchmark gate grades every plugin of
the capability on. The checks (shape, names, bounds, the published plugins' ports) are
``plugsmith.hub._cases``, the same on the local hub and on a server (which adds its role rule: reviewer
or admin). Only typer is imported at module level, so ``plugsmith --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

cases_app = typer.Typer(help="Named benchmark cases of a capability: what specs' named tests resolve to "
                             "and what the benchmark gate grades.", no_args_is_help=True)

CapabilityArg = Annotated[str, typer.Argument(help="The capability (a spec's name, e.g. cost_estimation).")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


@cases_app.command("add")
def add(capability: CapabilityArg,
        file: Annotated[Path, typer.Argument(help="A cases file: one case or a JSON list of "
                                             '{"name", "input", "expected"} objects.')],
        kind: Annotated[str, typer.Option("--kind", help="golden, edge or regression.")] = "golden",
        replace: Annotated[bool, typer.Option("--replace", help="Overwrite different cases already held "
                                              "under the same names.")] = False,
        as_json: JsonOpt = False) -> None:
    """Keep a file's cases for a capability (all or nothing), checked against its plugins' ports."""
    from plugsmith.cli._common import err, open_hub, print_json
    from plugsmith.hub._cases import check_target, parse_cases
    from plugsmith.spec import read_document

    check_target(capability, kind)
    cases = parse_cases(read_document(file, "cases"), subject=str(file))
    with open_hub() as hub:
        result = hub.add_benchmark_cases(capability, cases, kind=kind, replace=replace)
    for warning in result.warnings:
        err(f"warning: {warning}")
    if as_json:
        print_json(result.to_dict())
        return
    for word, names in (("added", result.added), ("replaced", result.replaced),
                        ("unchanged", result.unchanged)):
        if names:
            print(f"{word} {len(names)} {kind} case(s) of {capability}: {', '.join(names)}")


@cases_app.command("list")
def list_cases(capability: CapabilityArg, as_json: JsonOpt = False) -> None:
    """The capability's cases in the order they were added: name, kind, input and expected ports."""
    from plugsmith.cli._common import open_hub, print_json
    from plugsmith.hub._cases import check_target

    check_target(capability)
    with open_hub() as hub:
        held = hub.held_cases(capability)
    if as_json:
        print_json([h.to_dict() for h in held])
        return
    if not held:
        print(f"the hub holds no benchmark cases for {capability}; add some with "
              f"`plugsmith hub cases add {capability} FILE`")
        return
    width = max(len(h.case.name) for h in held)
    for h in held:
        print(f"{h.case.name:<{width}}  {h.kind:<10}  input: {', '.join(sorted(h.case.input)) or '-'}  "
              f"expected: {', '.join(sorted(h.case.expected)) or '-'}")


@cases_app.command("remove")
def remove(capability: CapabilityArg,
           name: Annotated[str, typer.Argument(help="The case's name.")]) -> None:
    """Drop one case: it no longer resolves a spec's named test nor counts in the benchmark gate."""
    from plugsmith.cli._common import open_hub

    with open_hub() as hub:
        hub.remove_benchmark_case(capability, name)
    print(f"removed {name} from the cases of {capability}")


__all__ = ["cases_app"]
