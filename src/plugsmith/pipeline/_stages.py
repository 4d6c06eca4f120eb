"""The plan pipeline's stages, in order; each writes one numbered JSON file in the run directory.

Capability stages are dynamic dependencies of the report stage: their number is only known once the
requirements stage has run, and ``--workers N`` runs them in parallel.

Each stage class declares ``requires_capabilities`` (full ``CapabilitySpec``s: ports, constraints, golden
cases). The report stage declares the planning staples it renders (schedule, risks, costs, budget); the
requirements stage adds the plan's own needs and the catalog's, and one capability stage per requirement
executes it.
"""

from __future__ import annotations

import datetime as _dt
import secrets
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plugsmith.pipeline import _files as files
from plugsmith.pipeline._luigi import luigi
from plugsmith.pipeline._stage import BuiltinSpecs, Stage, get_release, make, one_line, plan_hash, target
from plugsmith.spec import CapabilitySpec

if TYPE_CHECKING:
    from plugsmith.hub import Hub


class PlanStage(Stage):
    """001: load and validate the plan (JSON, YAML or PlanExe run directory); keep its normal form."""

    slug = "plan"

    def produce(self) -> dict[str, Any]:
        from plugsmith.pipeline._quality import assess
        from plugsmith.plan import load_plan

        plan = load_plan(Path(self.plan_path)).model_dump(mode="json")
        run_id = _dt.datetime.now(_dt.UTC).strftime("run_%Y%m%dT%H%M%S_") + secrets.token_hex(3)
        return {"source": self.plan_path, "plan_id": plan_hash(plan), "run_id": run_id, "plan": plan,
                "data_quality": [f.to_json() for f in assess(plan)]}


class RequirementsStage(Stage):
    """002: the capabilities this run needs — from the stages, the plan's ``requires``, task kinds."""

    slug = "requirements"

    def requires(self) -> PlanStage:
        return make(PlanStage, **self.common())

    def produce(self) -> dict[str, Any]:
        from plugsmith.plan import extract_requirements, load_catalog, unmapped_kinds
        from plugsmith.spec import Plan

        plan = Plan.model_validate(self.read("plan")["plan"])
        catalog = load_catalog(Path(self.catalog) if self.catalog else None)
        reqs = extract_requirements(plan, stage_specs(), catalog=catalog, source=self.plan_path)
        return {"requirements": [r.to_json() for r in reqs], "catalog": list(catalog.sources),
                     "unmapped_kinds": unmapped_kinds(plan, catalog),
                     "files": {r.name: files.stage_path(self.dir, files.FIRST_CAPABILITY + i, r.name).name
                               for i, r in enumerate(reqs)}}


class ResolutionStage(Stage):
    """003: find a plugin for each requirement in the hub (installing the built-ins on a fresh hub)."""

    slug = "resolution"

    def requires(self) -> RequirementsStage:
        return make(RequirementsStage, **self.common())

    def produce(self) -> dict[str, Any]:
        from plugsmith.builtins import install_builtins, missing_builtins
        from plugsmith.pipeline._resolve import resolve_one
        from plugsmith.plan import Requirement
        from plugsmith.sandbox import get_sandbox

        hub, sandbox = self.open_hub(), get_sandbox()
        try:
            installed = [r.ref for r in install_builtins(hub, sandbox)] if missing_builtins(hub) else []
            reqs = [Requirement.from_json(r) for r in self.read("requirements")["requirements"]]
            resolutions = [resolve_one(hub, r, sandbox) for r in reqs]
            record_resolution_events(hub, resolutions, self.read("plan"))
        finally:
            sandbox.close()
            hub.close()
        return {"builtins_installed": installed, "sandbox": sandbox.name, "resolutions": resolutions}


def record_resolution_events(hub: Hub, resolutions: list[dict[str, Any]], plan_stage: dict[str, Any]) -> None:
    """Telemetry: a ``gap`` per missing capability, a ``reuse`` per need met by a non-built-in plugin."""
    detail = {"run_id": plan_stage["run_id"], "plan_kind": plan_stage["plan"].get("kind")}
    for res in resolutions:
        if res["status"] == "gap":
            hub.record_event("gap", capability=res["capability"], plan_id=plan_stage["plan_id"],
                             outcome="missing", detail=detail)
        elif res["release"]["tier"] != "Tier 0":  # Tier 0: the hub's own built-in bytes, not a claim
            hub.record_event("reuse", capability=res["capability"], plugin_id=res["release"]["plugin_id"],
                             version=res["release"]["version"], plan_id=plan_stage["plan_id"],
                             detail={**detail, "how": res["how"]})


class SynthesisStage(Stage):
    """004: synthesize, validate and publish a plugin for each gap (unless ``--no-synth``)."""

    slug = "synthesis"

    def requires(self) -> ResolutionStage:
        return make(ResolutionStage, **self.common())

    def produce(self) -> dict[str, Any]:
        from plugsmith.plan import Requirement

        reqs = {r["capability"]: Requirement.from_json(r) for r in self.read("requirements")["requirements"]}
        gaps = [r["capability"] for r in self.read("resolution")["resolutions"] if r["status"] == "gap"]
        syntheses: list[dict[str, Any]] = []
        if gaps and not self.synthesize:
            syntheses = [{"capability": g, "status": "skipped (--no-synth)", "outcome": None} for g in gaps]
        elif gaps:
            syntheses = self._synthesize([reqs[g] for g in gaps])
        return {"syntheses": syntheses}

    def _synthesize(self, reqs: list[Any]) -> list[dict[str, Any]]:
        from plugsmith.sandbox import get_sandbox
        from plugsmith.spec import SynthesisRequest
        from plugsmith.synth import synthesize

        plan_id = self.read("plan")["plan_id"]
        hub, sandbox = self.open_hub(), get_sandbox()
        out = []
        try:
            for req in reqs:
                t0 = time.perf_counter()
                try:
                    request = SynthesisRequest(spec=req.spec, plan_id=plan_id)
                    found = synthesize(req.spec, hub, request=request, sandbox=sandbox)
                    outcome = found.model_dump(mode="json")
                except Exception as exc:  # one capability's failure must not sink the others
                    outcome = {"plugin_id": None, "capability": req.name, "status": "failed",
                               "message": one_line(exc), "candidates_tried": 0}
                out.append({"capability": req.name, "status": outcome["status"], "outcome": outcome,
                            "ref": _release_ref(hub, outcome),
                            "duration_s": round(time.perf_counter() - t0, 3)})
        finally:
            sandbox.close()
            hub.close()
        return out


class GovernanceStage(Stage):
    """005: may each chosen plugin load under the policy? (Gatekeeper: status, tier, permissions…)"""

    slug = "governance"

    def requires(self) -> SynthesisStage:
        return make(SynthesisStage, **self.common())

    def produce(self) -> dict[str, Any]:
        from plugsmith.governance import Gatekeeper

        hub = self.open_hub()
        try:
            keeper = Gatekeeper(hub)
            decisions = []
            for cap, ref in chosen_refs(self.read("resolution"), self.read("synthesis")).items():
                release = get_release(hub, ref)
                if release is None:
                    decisions.append({"capability": cap, "ref": ref, "allowed": False,
                                      "reason": "no plugin provides it"})
                    continue
                decision = keeper.check(release)
                decisions.append({"capability": cap, "ref": ref, "allowed": decision.allowed,
                                  "reason": decision.reason})
        finally:
            hub.close()
        return {"decisions": decisions}


def _release_ref(hub: Hub, outcome: dict[str, Any]) -> str | None:
    """``name@version`` of the release a synthesis outcome names (approved or reused), else None."""
    if outcome.get("status") not in ("approved", "reused") or not outcome.get("plugin_id"):
        return None
    releases = hub.versions(outcome["plugin_id"])
    match = [r for r in releases if r.version == outcome.get("version")] or releases[:1]
    return match[0].ref if match else None


def chosen_refs(resolution: dict[str, Any], synthesis: dict[str, Any]) -> dict[str, str | None]:
    """capability → ``name@version`` picked by resolution or synthesis (None for an open gap)."""
    syn = {s["capability"]: s.get("ref") for s in synthesis["syntheses"]}
    return {r["capability"]: r["release"]["ref"] if r["status"] == "resolved" else syn.get(r["capability"])
            for r in resolution["resolutions"]}


class CapabilityStage(Stage):
    """006+: execute one capability in the sandbox, recovering from run-time capability failures."""

    index = luigi.IntParameter()
    capability = luigi.Parameter()
    slug = "capability"

    def number(self) -> int | None:
        return files.FIRST_CAPABILITY + self.index

    def output(self) -> luigi.LocalTarget:
        return target(files.stage_path(self.dir, files.FIRST_CAPABILITY + self.index, self.capability))

    def requires(self) -> GovernanceStage:
        return make(GovernanceStage, **self.common())

    def produce(self) -> dict[str, Any]:
        from plugsmith.governance import Gatekeeper, Policy
        from plugsmith.pipeline._execute import Execution, Executor
        from plugsmith.pipeline._quality import missing_data
        from plugsmith.plan import Requirement
        from plugsmith.sandbox import get_sandbox

        req = Requirement.from_json(self.read("requirements")["requirements"][self.index])
        plan_stage = self.read("plan")
        lacking = missing_data(self.capability, plan_stage["plan"])
        if lacking is not None:  # say so instead of computing the figure from absent data as if it were 0
            return Execution(req.name, status="no_data", note=lacking).to_json()
        ref = chosen_refs(self.read("resolution"), self.read("synthesis")).get(self.capability)
        hub, sandbox = self.open_hub(), get_sandbox()
        try:
            policy = Policy.load()
            executor = Executor(hub, Gatekeeper(hub, policy), policy, sandbox, plan_stage["plan"],
                                plan_stage["plan_id"], plan_stage["run_id"], synthesize=self.synthesize)
            how = next((r.get("how", "hub") for r in self.read("resolution")["resolutions"]
                        if r["capability"] == self.capability and r["status"] == "resolved"), "synthesized")
            result = executor.execute(req, get_release(hub, ref), how)
        finally:
            sandbox.close()
            hub.close()
        return result.to_json()


class ReportStage(Stage):
    """Runs every capability stage (dynamically), then writes report.html and report.md."""

    slug = "report"
    requires_capabilities = BuiltinSpecs()

    def number(self) -> int | None:
        return files.tail_number(self.dir, 0)

    def requires(self) -> GovernanceStage:
        return make(GovernanceStage, **self.common())

    def dynamic_requires(self) -> list[luigi.Task]:
        reqs = self.read("requirements")["requirements"]
        return [make(CapabilityStage, index=i, capability=r["capability"], **self.common())
                for i, r in enumerate(reqs)]

    def produce(self) -> dict[str, Any]:
        from plugsmith.pipeline._report import render_html, render_markdown
        from plugsmith.pipeline._view import load_view
        from plugsmith.pipeline.metrics import run_metrics

        view = load_view(self.dir)
        metrics = run_metrics(view)
        files.write_text(self.dir / "report.html", render_html(view, metrics))
        files.write_text(self.dir / "report.md", render_markdown(view, metrics))
        rows = view.capability_rows()
        return {"files": ["report.html", "report.md"],
                     "failed": [{"capability": r["capability"], "error": r["error"]} for r in rows
                                if r["status"] not in ("ok", "no_data")]}


class MetricsStage(Stage):
    """Last: the run's success metrics to ``metrics.json``, and into the hub for ``plugsmith metrics``."""

    slug = "metrics"

    def number(self) -> int | None:
        return files.tail_number(self.dir, 1)

    def requires(self) -> ReportStage:
        return make(ReportStage, **self.common())

    def produce(self) -> dict[str, Any]:
        from plugsmith.pipeline._view import load_view
        from plugsmith.pipeline.metrics import record_run, run_metrics

        metrics = run_metrics(load_view(self.dir))
        metrics["stage_durations_ms"] = {p.name: files.read_json(p).get("duration_ms")
                                         for p in files.stage_files(self.dir)}
        files.write_json(self.dir / "metrics.json", metrics)
        hub = self.open_hub()
        try:
            record_run(hub, metrics)
        finally:
            hub.close()
        return {"metrics": metrics}


def stage_specs() -> list[CapabilitySpec]:
    """Capabilities the stages declare (a): every stage class's ``requires_capabilities``, in order."""
    seen: dict[str, CapabilitySpec] = {}
    for stage in (PlanStage, RequirementsStage, ResolutionStage, SynthesisStage, GovernanceStage,
                  ReportStage, MetricsStage):
        for spec in stage.requires_capabilities:
            seen.setdefault(spec.name, spec)
    return list(seen.values())


__all__ = ["CapabilityStage", "GovernanceStage", "MetricsStage", "PlanStage", "ReportStage",
           "RequirementsStage", "ResolutionStage", "Stage", "SynthesisStage", "chosen_refs", "stage_specs"]
