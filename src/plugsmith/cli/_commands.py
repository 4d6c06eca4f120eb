"""Which command modules exist. Each exposes ``register(app)``; import order is help order."""

from __future__ import annotations

import importlib

import typer

MODULES = [
    "plugsmith.cli.run",       # run, metrics            (pipeline)
    "plugsmith.cli.synth",     # synth                   (synthesis)
    "plugsmith.cli.gates",     # validate, doctor, review, quarantine (gates, governance)
    "plugsmith.cli.plugin",    # plugin new|run          (plugin format, sandbox)
    "plugsmith.cli.hub",       # hub init|publish|search|show|versions|deprecate|yank|verify|cases
    "plugsmith.cli.hub_store", # hub migrate-artifacts    (artifact stores)
    "plugsmith.cli.plan",      # plan import-planexe|validate
    "plugsmith.cli.serve",     # serve, token            (server)
    "plugsmith.cli.key",       # key show|rotate|rekey   (the hub's signing keys)
    "plugsmith.cli.mcp",       # mcp                     (the hub as MCP tools)
    "plugsmith.cli.schema",    # schema NAME
]


def register(app: typer.Typer) -> None:
    for name in MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue  # a command module not written yet
        module.register(app)
