"""The JSON API under ``/api/v1``: reads are public, writes need a bearer token of the right role.

Blocking work (database, gates) runs in plain ``def`` endpoints, which FastAPI puts on its thread
pool; only ``publish`` is ``async`` because it streams the upload body itself.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Path, Query, Request
from fastapi.responses import Response, StreamingResponse
from starlette.concurrency import run_in_threadpool

from plugsmith.errors import BadInput
from plugsmith.hub._cases import CASE_NAME_PATTERN
from plugsmith.server._auth import require_role, require_token
from plugsmith.server._errors import ApiError, forbidden
from plugsmith.server._models import (
    BenchmarkCases,
    EventBatch,
    FailureReport,
    LifecycleRun,
    OwnerChange,
    ReviewDecision,
    StatusChange,
)
from plugsmith.server._service import ReadService
from plugsmith.server._store import Role, TokenInfo
from plugsmith.server._writes import WriteService
from plugsmith.spec import NAME_PATTERN, Status, Tier

router = APIRouter(prefix="/api/v1")
Ref = Annotated[str, Path(min_length=1, max_length=200, description="plugin id, name or name@version")]
Capability = Annotated[str, Path(pattern=NAME_PATTERN)]
Token = Annotated[TokenInfo, Depends(require_token)]
_ARCHIVE_TYPES = ("application/gzip", "application/x-gzip", "application/octet-stream", "application/x-tar")


async def reads(request: Request) -> ReadService:
    service: ReadService = request.app.state.reads
    return service


async def writes(request: Request) -> WriteService:
    service: WriteService = request.app.state.writes
    return service


Reads = Annotated[ReadService, Depends(reads)]
Writes = Annotated[WriteService, Depends(writes)]


@router.get("/health", tags=["read"])
async def health(request: Request) -> dict[str, Any]:
    """Liveness, the plugsmith version and the signing key id."""
    from plugsmith import __version__

    return {"ok": True, "version": __version__, "key_id": request.app.state.writes.key.key_id}


@router.get("/key", tags=["read"])
def public_key(w: Writes) -> dict[str, str]:
    """The hub's ed25519 public key (PEM): clients pin it and verify every artifact against it."""
    return {"key_id": w.key.key_id, "public_key": w.key.public_pem(), "algorithm": "ed25519"}


@router.get("/keys", tags=["read"])
def key_ring(w: Writes) -> list[dict[str, Any]]:
    """Every key the hub has signed with, oldest first (the active one last; retired ones keep old
    signatures verifiable), each rotation endorsed by the old and the new key: a client that trusts one
    key of the chain can check every other without trusting this answer."""
    return w.key_records()


@router.get(
    "/search",
    tags=["read"],
    response_class=Response,
    responses={200: {"content": {"application/json": {}}}},
)
async def search(
    r: Reads,
    q: Annotated[str, Query(max_length=200)] = "",
    capability: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
    tier: Tier | None = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    group: bool = True,
) -> Response:
    """Ranked search; each result carries plugin_id, version, ranking_score, downloads, safety_tier.

    ``async`` on purpose: a cached body is answered on the event loop without a thread hop; a miss
    computes on the thread pool.
    """
    body = r.results.peek(r.search_key(q, capability, tier, status, limit, group))
    if body is None:
        body = await run_in_threadpool(
            lambda: r.search_body(
                q, capability=capability, tier=tier, status=status, limit=limit, group=group
            )
        )
    return Response(content=body, media_type="application/json")


@router.get("/releases", tags=["read"])
def releases(
    r: Reads,
    q: Annotated[str, Query(max_length=200)] = "",
    capability: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
    tier: Tier | None = None,
    status: Status | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 20,
) -> list[dict[str, Any]]:
    """Unranked ``Hub.search`` passthrough (every matching release, full JSON): what RemoteHub uses."""
    found = r.hub.search(q, capability=capability, tier=tier, status=status, limit=limit)
    return [r.release_json(rel) for rel in found]


@router.get("/plugins/{ref}", tags=["read"])
def plugin_detail(r: Reads, ref: Ref) -> dict[str, Any]:
    """A release with versions, manifest, provenance, gate report, evaluation, telemetry and ranking."""
    return r.detail(ref)


@router.get("/plugins/{ref}/versions", tags=["read"])
def plugin_versions(r: Reads, ref: Ref) -> list[dict[str, Any]]:
    """Every release of the plugin, newest first."""
    rel = r.require(ref)
    return [r.release_json(v) for v in r.hub.versions(rel.plugin_id)]


@router.get("/capabilities/{capability}/releases", tags=["read"])
def lookup(
    r: Reads, capability: Capability, status: Annotated[list[Status] | None, Query()] = None
) -> list[dict[str, Any]]:
    """Exact capability lookup, best first (``Hub.lookup``); approved only unless ``status`` says."""
    statuses = tuple(status) if status else (Status.approved,)
    return [r.release_json(rel) for rel in r.hub.lookup(capability, statuses=statuses)]


@router.get("/capabilities/{capability}/benchmark-cases", tags=["read"])
def benchmark_cases(r: Reads, capability: Capability, with_kind: bool = False) -> list[dict[str, Any]]:
    """The hub's cases for the capability, oldest first; ``with_kind`` adds each one's ``kind``."""
    if with_kind:
        return [held.to_dict() for held in r.hub.held_cases(capability)]
    return [case.model_dump(mode="json") for case in r.hub.benchmark_cases(capability)]


@router.get("/capabilities/{capability}/next-version", tags=["read"])
def next_version(r: Reads, capability: Capability) -> dict[str, str]:
    return {"version": r.hub.next_version(capability)}


@router.post("/near-matches", tags=["read"])
def near_matches(
    r: Reads, spec: Annotated[dict[str, Any], Body()], limit: Annotated[int, Query(ge=1, le=50)] = 5
) -> list[dict[str, Any]]:
    """Releases that might serve a capability spec they were not written for."""
    from plugsmith.spec import parse_spec

    parsed = parse_spec(spec, source="spec")
    return [
        {"release": r.release_json(m.release), "score": m.score, "reasons": list(m.reasons)}
        for m in r.hub.near_matches(parsed, limit=limit)
    ]


@router.get(
    "/artifacts/{checksum}",
    tags=["read"],
    response_class=Response,
    responses={200: {"content": {"application/gzip": {}}}},
)
def artifact(r: Reads, checksum: Annotated[str, Path(pattern=r"^sha256:[0-9a-f]{64}$")]) -> Response:
    """The archive bytes; X-Plugsmith-Checksum / -Signature / -Key-Id / -Manifest-Digest headers."""
    body, headers = r.artifact(checksum)
    if isinstance(body, bytes):  # one chunk: already verified whole
        return Response(content=body, media_type="application/gzip", headers=headers)
    return StreamingResponse(body, media_type="application/gzip", headers=headers)


@router.get("/events", tags=["read"])
def events(
    r: Reads,
    kind: Annotated[str | None, Query(max_length=32)] = None,
    capability: Annotated[str | None, Query(pattern=NAME_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[dict[str, Any]]:
    """Telemetry events, newest last."""
    found = r.hub.events(kind, capability, last=limit)  # the database keeps the rest
    return [_jsonable_event(ev) for ev in found]


@router.get("/metrics", tags=["read"])
def metrics(r: Reads) -> dict[str, Any]:
    """Recovery rate, gate pass rate, reuse lift, coverage and time to add a capability (+ daily)."""
    return r.metrics()


@router.get("/reviews", tags=["read"])
def review_queue(r: Reads) -> list[dict[str, Any]]:
    """Releases pending review, oldest first."""
    return [r.release_json(rel) for rel in r.pending()]


@router.post(
    "/publish",
    tags=["write"],
    status_code=201,
    responses={200: {"description": "the same bytes were already published; nothing was created"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/gzip": {"schema": {"type": "string", "format": "binary"}},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["archive"],
                        "properties": {"archive": {"type": "string", "format": "binary"}},
                    }
                },
            },
        }
    },
)
async def publish(request: Request, response: Response, w: Writes, token: Token) -> dict[str, Any]:
    """Publish a plugin archive: the server unpacks it safely, re-runs the gates and signs it.

    201 with ``already_published: false`` when this upload created the release; 200 with
    ``already_published: true`` when the same bytes were already published (perhaps a moment ago by
    a concurrent upload).
    """
    require_role(token, Role.publisher)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=4)
        upload = form.get("archive")
        if upload is None or isinstance(upload, str):
            raise BadInput("the multipart body needs a file field named 'archive'", subject="archive")
        data = await upload.read()
    elif content_type in _ARCHIVE_TYPES or not content_type:
        data = await request.body()
    else:
        raise ApiError(
            415,
            f"unsupported content type {content_type!r}",
            slug="unsupported-media-type",
            hint="send application/gzip (raw archive) or multipart/form-data with 'archive'",
        )
    body = await run_in_threadpool(w.publish, data, token)
    if body.get("already_published"):
        response.status_code = 200
    return body


@router.post("/plugins/{ref}/deprecate", tags=["write"])
def deprecate(w: Writes, token: Token, ref: Ref, body: StatusChange | None = None) -> dict[str, Any]:
    """Deprecate a release: still loads for pinned plans, not chosen for new ones."""
    return w.set_status(ref, Status.deprecated, token, (body or StatusChange()).reason)


@router.post("/plugins/{ref}/yank", tags=["write"])
def yank(w: Writes, token: Token, ref: Ref, body: StatusChange | None = None) -> dict[str, Any]:
    """Yank a release: it never loads again."""
    return w.set_status(ref, Status.yanked, token, (body or StatusChange()).reason)


@router.post("/plugins/{ref}/promote", tags=["write"])
def promote(w: Writes, token: Token, ref: Ref, body: StatusChange | None = None) -> dict[str, Any]:
    """Raise a clean Tier 2 release (every gate passed, no warnings, no permissions) to Tier 1: the one
    way an uploaded, hand-written plugin earns it. Reviewer or admin, never for its own upload."""
    return w.promote(ref, token, (body or StatusChange()).reason)


@router.post("/reviews/{ref}", tags=["write"])
def review(w: Writes, token: Token, ref: Ref, body: ReviewDecision) -> dict[str, Any]:
    """Approve or reject a pending release (reviewer or admin)."""
    return w.review(ref, body.decision == "approve", token, body.reason)


@router.post("/tokens/{token_id}/revoke", tags=["write"])
def revoke_token(
    w: Writes, token: Token, token_id: Annotated[str, Path(pattern=r"^tok_[0-9a-f]{12}$")]
) -> dict[str, Any]:
    """Revoke a token (admin, or the token itself): every replica refuses it from its next request."""
    return w.revoke_token(token_id, token)


@router.post("/plugins/{name}/owner", tags=["write"])
def transfer_owner(w: Writes, token: Token, name: Capability, body: OwnerChange) -> dict[str, Any]:
    """Give a plugin name to another token (admin): its new owner publishes the next versions."""
    return w.transfer(name, body.owner, token)


@router.post("/events", tags=["write"], status_code=202)
def record_events(w: Writes, token: Token, body: EventBatch) -> dict[str, int]:
    """Record telemetry. Successful uses from any live token but the plugin's owner (``ignored``: not
    recorded); anything that counts against a plugin (failures, unsuccessful uses) only from its owner,
    a reviewer or an admin — else 403, nothing kept."""
    return w.record_events([ev.model_dump() for ev in body.events], token)


@router.post("/failures", tags=["write"], status_code=202)
def report_failure(w: Writes, token: Token, body: FailureReport) -> dict[str, Any]:
    """A production failure: lowers the plugin's reliability; with ``expected`` it becomes a benchmark
    case the next synthesis and every new version must pass. A failure of a named plugin is accepted
    from its owner, a reviewer or an admin; a failure case (``expected``) from a reviewer or an admin."""
    from plugsmith.governance._lifecycle import learn_from_failure

    if body.expected is not None:
        require_role(token, Role.reviewer)
    if not w.may_report_on(body.plugin_id, token):
        raise forbidden(f"a failure of plugin {body.plugin_id} is accepted only from its owner, a reviewer "
                        "or an admin")

    case = learn_from_failure(
        w.hub,
        capability=body.capability,
        plugin_id=body.plugin_id,
        version=body.version,
        inputs=body.inputs,
        error=body.error,
        expected=body.expected,
        plan_id=body.plan_id,
    )
    w.reads.stats.clear()
    return {"recorded": True, "case": case}


@router.post("/capabilities/{capability}/benchmark-cases", tags=["write"])
def add_benchmark_cases(
    w: Writes, token: Token, capability: Capability, body: BenchmarkCases
) -> dict[str, Any]:
    """Keep named cases for the capability, all or nothing (reviewer): they bind every later version
    through the benchmark gate and resolve a spec's named tests (docs/synthesis.md)."""
    from plugsmith.hub._cases import CasesAdded, parse_cases

    require_role(token, Role.reviewer)
    cases = parse_cases(body.cases, subject="cases")
    result: CasesAdded = w.hub.add_benchmark_cases(capability, cases, kind=body.kind, replace=body.replace)
    w.reads.invalidate()
    return result.to_dict()


@router.delete("/capabilities/{capability}/benchmark-cases/{name}", tags=["write"])
def remove_benchmark_case(
    w: Writes, token: Token, capability: Capability, name: Annotated[str, Path(pattern=CASE_NAME_PATTERN)]
) -> dict[str, Any]:
    """Drop one named case of the capability (reviewer)."""
    require_role(token, Role.reviewer)
    w.hub.remove_benchmark_case(capability, name)
    w.reads.invalidate()
    return {"capability": capability, "removed": name}


@router.post("/capabilities/{capability}/benchmark", tags=["write"])
def run_benchmark(w: Writes, token: Token, capability: Capability) -> list[dict[str, Any]]:
    """Re-run every loadable release of the capability over the hub's benchmark cases (reviewer)."""
    from dataclasses import asdict

    from plugsmith.governance._lifecycle import benchmark_capability

    require_role(token, Role.reviewer)
    results = [asdict(r) for r in benchmark_capability(w.hub, capability)]
    w.reads.invalidate()
    w.reads.stats.clear()
    return results


@router.post("/lifecycle/deprecate", tags=["write"])
def lifecycle(w: Writes, token: Token, body: LifecycleRun | None = None) -> dict[str, Any]:
    """Apply the automatic deprecation policy (admin); ``dry_run`` only lists what it would do."""
    from plugsmith.governance._lifecycle import LifecyclePolicy, auto_deprecate

    require_role(token, Role.admin)
    run = body or LifecycleRun()
    policy = LifecyclePolicy(
        unused_days=run.unused_days,
        max_failure_rate=run.max_failure_rate,
        min_accuracy=run.min_accuracy,
        supersede=run.supersede,
    )
    decisions = auto_deprecate(w.hub, policy, dry_run=run.dry_run)
    if decisions and not run.dry_run:
        w.reads.invalidate()
    return {"dry_run": run.dry_run, "deprecated": decisions}


def _jsonable_event(event: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in event.items()}


__all__ = ["router"]
