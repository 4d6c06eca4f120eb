"""``plugsmith schema NAME``: print the JSON Schema of a model."""

from __future__ import annotations

from typing import Annotated

import typer


def schema(name: Annotated[str, typer.Argument(help="spec, manifest, gate-report, outcome, "
                                                "synthesis-request, plan, test-case")]) -> None:
    """Print the JSON Schema of one of plugsmith's documents."""
    from plugsmith.cli._common import print_json
    from plugsmith.errors import NotFound
    from plugsmith.spec import SCHEMAS, plan_schema

    if name not in SCHEMAS:
        raise NotFound(f"no schema named {name!r}", hint=f"choose one of: {', '.join(SCHEMAS)}",
                       subject="schema")
    print_json(plan_schema() if name == "plan" else SCHEMAS[name].model_json_schema())


def register(app: typer.Typer) -> None:
    app.command("schema")(schema)
