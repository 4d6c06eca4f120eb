"""Luigi tasks, in the style of PlanExe's own, that compute capabilities inside a PlanExe-style pipeline.

A PlanExe pipeline is a chain of Luigi tasks sharing ``run_id_dir``, each writing numbered files
(``NNN-name.json`` and ``NNN-name.md``) into it. A capability task names a capability spec and its
upstream tasks; ``run()`` resolves the capability in the hub — a built-in or published plugin, else
one synthesized on the spot — checks it against the governance policy, runs it in the sandbox on the
upstream outputs and writes ``NNNN-<capability>.json`` and ``.md``. When nothing can compute it, the
task fails with ``CapabilityFailure`` and leaves ``NNNN-<capability>-synthesis.json`` (what synthesis
tried and why it failed) beside where its output would be.

The behaviour lives in mixins (``PlugsmithMixin``, ``PlanExeImportMixin``, ``CapabilityMixin``) that
declare no Luigi parameters, so they combine with any host task class: ``CapabilityTask`` is the
stand-alone combination (its own ``run_id_dir``), and ``plugsmith.planexe.derive_tasks(PlanTask)``
combines them with PlanExe's own ``PlanTask`` so the tasks carry PlanExe's parameters (``run_id_dir``,
``speedvsdetail``, ``llm_models``) and clone PlanExe's tasks with the very values the pipeline runs
with — Luigi then schedules each PlanExe task once::

    class Schedule(CapabilityTask):
        capability = "critical_path"             # a built-in name, a CapabilitySpec, or a spec file
        upstream = (ImportPlan,)                 # gives the plan_json port

    luigi.build([Schedule(run_id_dir=Path(os.environ["RUN_ID_DIR"]))], local_scheduler=True)

File numbers have four digits and start at 1000 (``FIRST_NUMBER``): PlanExe numbers its files with
three (``001-1-start_time.json`` … ``999-pipeline_complete.txt``), so no number of ours can be one of
PlanExe's, whatever PlanExe adds.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from plugsmith.errors import CapabilityFailure, NotFound, PlugsmithError, SpecError
from plugsmith.pipeline._luigi import luigi
from plugsmith.planexe._output import write_atomic
from plugsmith.planexe._render import render_capability_markdown
from plugsmith.spec import CapabilitySpec, Outcome, Status, load_spec

if TYPE_CHECKING:
    from plugsmith.governance import Gatekeeper
    from plugsmith.hub import Hub, Release
    from plugsmith.sandbox import Sandbox, SandboxOutcome


# luigi is typed but its functions are not annotated: call them through Any
_LocalTarget: Any = luigi.LocalTarget
_flatten: Any = luigi.task.flatten
FIRST_NUMBER = 1000


def _default_run_dir() -> Path:
    return Path(os.environ.get("RUN_ID_DIR") or "run")


class PlugsmithMixin:
    """What plugsmith's tasks share on top of any Luigi task with a ``run_id_dir``: a file number, the
    upstream tasks (cloned with this task's own parameter values) and the ports they offer."""

    number: ClassVar[int | None] = None
    upstream: ClassVar[tuple[type[luigi.Task], ...]] = ()

    def requires(self) -> list[luigi.Task]:
        me: Any = self
        return [me.clone(cls) for cls in self.upstream]

    def file_number(self) -> int:
        """The class's ``number``, else one more than the highest upstream number (1000 at the start)."""
        if self.number is not None:
            return self.number
        ups = [t.file_number() for t in self.requires() if isinstance(t, PlugsmithMixin)]
        return max(ups, default=FIRST_NUMBER - 1) + 1

    def ports(self) -> dict[str, Any]:
        """The values this task offers downstream tasks, by port name (read from its output)."""
        raise NotImplementedError

    def run_dir(self) -> Path:
        return Path(getattr(self, "run_id_dir"))  # noqa: B009 - a Luigi parameter of the host class

    def path(self, suffix: str) -> Path:
        return self.run_dir() / f"{self.file_number():04d}-{self.stem()}{suffix}"

    def stem(self) -> str:
        raise NotImplementedError

    def hub_url(self) -> str | None:
        return getattr(self, "db_url", None) or None


class PlugsmithTask(PlugsmithMixin, luigi.Task):
    """Stand-alone base: its own ``run_id_dir`` (default ``RUN_ID_DIR``) and hub URL."""

    run_id_dir = luigi.PathParameter(default=_default_run_dir())
    db_url = luigi.OptionalParameter(default=None, significant=False,
                                     description="hub database URL (default: PLUGSMITH_DB or SQLite)")


class PlanExeImportMixin(PlugsmithMixin):
    """Import the PlanExe plan in the run directory (or ``source``, when the class has it) as
    ``plan_json``: PlanExe's files are found by name, so upstream PlanExe tasks only have to have run."""

    number: ClassVar[int | None] = FIRST_NUMBER

    def stem(self) -> str:
        return "plugsmith_plan"

    def output(self) -> dict[str, luigi.LocalTarget]:
        return {"raw": _LocalTarget(str(self.path(".json"))),
                "markdown": _LocalTarget(str(self.path("_import_report.md")))}

    def run(self) -> None:
        from plugsmith.pipeline._quality import assess
        from plugsmith.planexe._importer import import_planexe_with_report

        plan, report = import_planexe_with_report(Path(getattr(self, "source", None) or self.run_dir()))
        findings = assess(plan.model_dump(mode="json"))
        quality = ["", "## Data quality", ""] + [f"- {f.severity}: {f.summary}" for f in findings]
        write_atomic(self.path("_import_report.md"), report.to_markdown() + "\n".join(quality) + "\n")
        write_atomic(self.path(".json"), plan.model_dump_json(indent=2) + "\n")

    def ports(self) -> dict[str, Any]:
        return {"plan_json": json.loads(self.path(".json").read_text(encoding="utf-8"))}


class PlanExeImportTask(PlanExeImportMixin, PlugsmithTask):
    """Stand-alone import task; ``source`` defaults to the run directory itself."""

    source = luigi.OptionalPathParameter(default=None)


class CapabilityMixin(PlugsmithMixin):
    """Compute one capability with a plugin from the hub (synthesized on a gap), under the policy.

    Subclasses set ``capability`` (a ``CapabilitySpec``, a path to a spec file, or a built-in capability
    name) and ``upstream`` (task classes whose ports feed this one). Override ``build_inputs`` to feed
    ports from tasks that are not plugsmith tasks. A built-in capability whose data the plan lacks
    (cost figures in a PlanExe plan) writes ``status: no_data`` and the reason instead of zeros.
    """

    capability: ClassVar[CapabilitySpec | Path | str | None] = None
    synthesize_on_gap: ClassVar[bool] = True
    time_budget_s: ClassVar[float] = 30.0

    def spec(self) -> CapabilitySpec:
        """The capability spec named by the subclass."""
        cap = self.capability
        if isinstance(cap, CapabilitySpec):
            return cap
        if isinstance(cap, Path) or (isinstance(cap, str) and cap.endswith((".json", ".yaml", ".yml"))):
            return load_spec(Path(cap))
        if isinstance(cap, str):
            from plugsmith.builtins import builtin_spec

            try:
                return builtin_spec(cap)
            except KeyError:
                raise SpecError(f"{cap!r} is not a built-in capability", subject=type(self).__name__,
                                hint="give a CapabilitySpec or the path of a spec file") from None
        raise SpecError("no capability given", subject=type(self).__name__,
                        hint="set `capability = ...` on the task class")

    def stem(self) -> str:
        return self.spec().name

    def output(self) -> dict[str, luigi.LocalTarget]:
        return {"raw": _LocalTarget(str(self.path(".json"))),
                "markdown": _LocalTarget(str(self.path(".md")))}

    def ports(self) -> dict[str, Any]:
        data = json.loads(self.path(".json").read_text(encoding="utf-8"))
        return dict(data.get("outputs") or {})

    def plan_id(self) -> str:
        return self.run_dir().name

    def build_inputs(self, spec: CapabilitySpec) -> dict[str, Any]:
        """The plugin's inputs: each input port of the spec, taken from the upstream tasks' ports."""
        offered: dict[str, Any] = {}
        for task in _flatten(self.requires()):
            if isinstance(task, PlugsmithMixin):
                offered.update(task.ports())
        missing = [p for p in spec.inputs if p not in offered]
        if missing:
            raise CapabilityFailure(f"no upstream task offers the input port(s) {missing}",
                                    subject=spec.name, hint="add an upstream task that produces them, or "
                                    "override build_inputs()")
        return {port: offered[port] for port in spec.inputs}

    def run(self) -> None:
        from plugsmith.governance import Gatekeeper, Policy
        from plugsmith.hub import Hub
        from plugsmith.sandbox import get_sandbox

        spec = self.spec()
        inputs = self.build_inputs(spec)
        if self._no_data(spec, inputs):
            return
        hub = Hub.open(self.hub_url())
        sandbox = get_sandbox()
        try:
            gatekeeper = Gatekeeper(hub, Policy.load())
            candidates, outcome = self._resolve(spec, hub, sandbox, gatekeeper)
            self._execute(spec, inputs, candidates, outcome, hub, sandbox, gatekeeper)
        finally:
            sandbox.close()
            hub.close()

    def _no_data(self, spec: CapabilitySpec, inputs: dict[str, Any]) -> bool:
        """Write the "no data" record when the plan lacks what this (built-in) capability needs."""
        from plugsmith.pipeline._quality import missing_data

        plan = inputs.get("plan_json")
        lacking = missing_data(spec.name, plan) if isinstance(plan, dict) else None
        if lacking is None:
            return False
        doc = {"capability": spec.name, "status": "no_data", "note": lacking, "outputs": {}}
        write_atomic(self.path(".md"), f"# {spec.name}\n\nNot computed: {lacking}.\n")
        write_atomic(self.path(".json"), json.dumps(doc, indent=2) + "\n")
        return True

    # --- resolution -------------------------------------------------------------------------------
    def _resolve(self, spec: CapabilitySpec, hub: Hub, sandbox: Sandbox,
                 gatekeeper: Gatekeeper) -> tuple[list[Release], Outcome | None]:
        releases = hub.lookup(spec.name)
        if not releases:
            releases = self._install_builtin(spec, hub, sandbox)
        decisions = [(r, gatekeeper.check(r)) for r in releases]
        allowed = [r for r, d in decisions if d.allowed]
        if allowed:
            return allowed, None
        if not self.synthesize_on_gap:
            refused = "; ".join(f"{r.ref}: {d.reason}" for r, d in decisions) or "none published"
            raise self._fail(spec, f"no plugin in the hub may compute it ({refused}) and synthesis is off",
                             None)
        from plugsmith.spec import SynthesisRequest
        from plugsmith.synth import synthesize

        request = SynthesisRequest(spec=spec, time_budget_s=self.time_budget_s, plan_id=self.plan_id())
        try:
            outcome = synthesize(spec, hub, request=request, sandbox=sandbox)
        except PlugsmithError as exc:
            raise self._fail(spec, f"synthesis could not run: {exc.one_line()}", None) from None
        release = self._outcome_release(outcome, hub)
        if release is None:
            why = outcome.message or f"synthesis ended with status {outcome.status}"
            raise self._fail(spec, why, outcome)
        decision = gatekeeper.check(release)
        if not decision.allowed:
            raise self._fail(spec, f"{release.ref} may not load: {decision.reason}", outcome)
        return [release], outcome

    @staticmethod
    def _install_builtin(spec: CapabilitySpec, hub: Hub, sandbox: Sandbox) -> list[Release]:
        """A fresh hub lacks the built-ins until ``plugsmith hub init``: install them on first need."""
        from plugsmith.builtins import builtin_specs, install_builtins

        if spec.name not in {s.name for s in builtin_specs()}:
            return []
        install_builtins(hub, sandbox)
        return hub.lookup(spec.name)

    @staticmethod
    def _outcome_release(outcome: Outcome, hub: Hub) -> Release | None:
        if outcome.status not in (Status.approved, Status.reused) or not outcome.plugin_id:
            return None
        try:
            versions = hub.versions(outcome.plugin_id)
        except NotFound:
            return None
        return next((r for r in versions if r.version == outcome.version), versions[0] if versions else None)

    # --- execution --------------------------------------------------------------------------------
    def _execute(self, spec: CapabilitySpec, inputs: dict[str, Any], candidates: list[Release],
                 outcome: Outcome | None, hub: Hub, sandbox: Sandbox, gatekeeper: Gatekeeper) -> None:
        """Run the candidates in order; the first whose output honours the spec is written."""
        errors: list[str] = []
        for release in candidates:
            started = time.perf_counter()
            result = sandbox.run(gatekeeper.load(release), [inputs], gatekeeper.limits(release))
            elapsed = (time.perf_counter() - started) * 1000
            output, problem = _result(spec, result)
            if problem:
                errors.append(f"{release.ref}: {problem}")
                hub.record_event("failure", capability=spec.name, plugin_id=release.plugin_id,
                                 version=release.version, plan_id=self.plan_id(), outcome="failed",
                                 duration_ms=elapsed, detail={"error": problem})
                continue
            hub.record_event("use", capability=spec.name, plugin_id=release.plugin_id,
                             version=release.version, plan_id=self.plan_id(), duration_ms=elapsed)
            self._write(spec, release, outcome, output, elapsed, sandbox.name)
            return
        raise self._fail(spec, "every plugin failed at run time: " + "; ".join(errors), outcome)

    def _write(self, spec: CapabilitySpec, release: Release, outcome: Outcome | None, outputs: dict[str, Any],
               elapsed_ms: float, backend: str) -> None:
        how = "hub" if outcome is None else "reused" if outcome.status == Status.reused else "synthesized"
        doc = {"capability": spec.name, "status": "ok", "resolved_by": how,
               "plugin": {"id": release.plugin_id, "name": release.name, "version": release.version,
                          "tier": release.tier.value if release.tier else None,
                          "origin": release.origin.value, "checksum": release.checksum},
               "strategy": outcome.strategy if outcome else None,
               "sandbox": backend, "duration_ms": round(elapsed_ms, 1), "outputs": outputs}
        write_atomic(self.path(".md"), render_capability_markdown(doc, spec))
        write_atomic(self.path(".json"), json.dumps(doc, indent=2, ensure_ascii=False) + "\n")

    def _fail(self, spec: CapabilitySpec, why: str, outcome: Outcome | None) -> CapabilityFailure:
        """Write the synthesis record beside the (missing) output and build the error to raise."""
        record = {"capability": spec.name, "spec_hash": spec.spec_hash(), "error": why,
                  "outcome": outcome.model_dump(mode="json") if outcome else None}
        target = self.path("-synthesis.json")
        write_atomic(target, json.dumps(record, indent=2, ensure_ascii=False, default=str) + "\n")
        return CapabilityFailure(why, subject=spec.name, hint=f"see {target}")



class CapabilityTask(CapabilityMixin, PlugsmithTask):
    """Stand-alone capability task (its own ``run_id_dir``); see ``CapabilityMixin``."""


def _result(spec: CapabilitySpec, result: SandboxOutcome) -> tuple[dict[str, Any], str]:
    """The plugin's output and '' when it ran and every output port matches its schema, else why not."""
    import jsonschema

    from plugsmith.spec import port_validator

    run = result.runs[0] if result.runs else None
    if not result.completed or run is None:
        return {}, f"sandbox: {result.reason}"
    if not run.ok:
        return {}, run.error or "failed"
    outputs = run.output or {}
    for port, schema in spec.outputs.items():
        if port not in outputs:
            return outputs, f"output port {port!r} missing"
        errors = port_validator(schema).iter_errors(outputs[port])  # offline: no $ref is fetched
        error = jsonschema.exceptions.best_match(errors)
        if error is not None:
            return outputs, f"output {port!r} breaks its schema: {error.message}"
    return outputs, ""


__all__ = ["FIRST_NUMBER", "CapabilityMixin", "CapabilityTask", "PlanExeImportMixin", "PlanExeImportTask",
           "PlugsmithMixin", "PlugsmithTask"]
