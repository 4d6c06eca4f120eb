"""The capability catalog: named capability specs, and which task kinds need which capabilities.

The built-in catalog holds the built-in capabilities; ``$PLUGSMITH_HOME/catalog.json`` and a
``--catalog FILE`` extend it (later files win). A catalog file looks like::

    {"capabilities": {"cost_per_owner": {<capability spec>}},
     "kinds": {"procurement": ["budget_check", "cost_per_owner"]}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from plugsmith import config
from plugsmith.errors import ConfigError
from plugsmith.plan._specs import parse_spec_cached
from plugsmith.spec import CapabilitySpec, format_validation_error

CATALOG_FILE = "catalog.json"

# Which capabilities a task kind calls for, before any user catalog. Names refer to built-ins.
DEFAULT_KINDS: dict[str, tuple[str, ...]] = {
    "construction": ("cost_estimation", "labour_cost", "resource_load"),
    "procurement": ("cost_estimation", "budget_check"),
    "labour": ("labour_cost", "resource_load"),
    "design": ("labour_cost",),
    "engineering": ("labour_cost", "resource_load"),
    "testing": ("critical_path",),
    "inspection": ("risk_matrix",),
    "compliance": ("risk_matrix",),
    "marketing": ("cost_estimation",),
    "research": ("labour_cost",),
    "logistics": ("critical_path", "cost_estimation"),
}


@dataclass(frozen=True)
class Catalog:
    """Named capability specs and the kind → capability-names map."""

    capabilities: dict[str, CapabilitySpec] = field(default_factory=dict)
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()

    def merged(self, other: Catalog) -> Catalog:
        """This catalog extended (and overridden) by ``other``."""
        return Catalog({**self.capabilities, **other.capabilities}, {**self.kinds, **other.kinds},
                       self.sources + other.sources)


def builtin_catalog() -> Catalog:
    """The catalog every run starts from: built-in capability specs and the default kind map."""
    from plugsmith.builtins import builtin_specs

    return Catalog({s.name: s for s in builtin_specs()}, dict(DEFAULT_KINDS), ("builtin",))


def read_catalog(path: Path) -> Catalog:
    """Parse one catalog file; a malformed one is a ``ConfigError`` naming the entry."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ConfigError(f"cannot read catalog: {exc}".splitlines()[0], subject=str(path)) from None
    if not isinstance(data, dict) or not set(data) <= {"capabilities", "kinds"}:
        raise ConfigError("a catalog is an object with 'capabilities' and/or 'kinds'", subject=str(path))
    caps: dict[str, CapabilitySpec] = {}
    for name, raw in dict(data.get("capabilities") or {}).items():
        try:
            spec = parse_spec_cached({"name": name, **raw} if isinstance(raw, dict) else raw)
        except ValidationError as exc:
            raise ConfigError(f"/capabilities/{name}" + format_validation_error(exc),
                              subject=str(path)) from None
        caps[spec.name] = spec
    kinds: dict[str, tuple[str, ...]] = {}
    for kind, names in dict(data.get("kinds") or {}).items():
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise ConfigError(f"/kinds/{kind}: must be a list of capability names", subject=str(path))
        kinds[kind] = tuple(names)
    return Catalog(caps, kinds, (str(path),))


def load_catalog(extra: Path | None = None) -> Catalog:
    """Built-in catalog, extended by ``$PLUGSMITH_HOME/catalog.json`` and then by ``extra``."""
    catalog = builtin_catalog()
    home_file = config.home() / CATALOG_FILE
    for path in (home_file if home_file.is_file() else None, extra):
        if path is not None:
            catalog = catalog.merged(read_catalog(Path(path)))
    for kind, names in catalog.kinds.items():
        unknown = [n for n in names if n not in catalog.capabilities]
        if unknown:
            raise ConfigError(f"/kinds/{kind}: unknown capability {unknown[0]!r}",
                              hint="define it under 'capabilities' in the catalog", subject="catalog")
    return catalog


__all__ = ["CATALOG_FILE", "DEFAULT_KINDS", "Catalog", "builtin_catalog", "load_catalog", "read_catalog"]
