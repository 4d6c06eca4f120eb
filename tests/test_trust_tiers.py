"""Trust is earned, not declared: every path to a tier (validate, local and server publish, synth,
kept drafts, reviewer promotion), with the real gates, sandbox, hub and keys."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

import test_server_helpers as helpers
from plugsmith.gates import validate
from plugsmith.governance import HubKey
from plugsmith.governance._attest import attest, attested_origin
from plugsmith.hub import Hub, checksum, pack
from plugsmith.sandbox import Sandbox, get_sandbox
from plugsmith.spec import Origin, Status, SynthesisRequest, Tier, parse_spec
from plugsmith.synth import Candidate, SynthContext, registry, synthesize
from test_sandbox_helpers import MEAN, MEAN_CASES, make_plugin, plugsmith
from test_server_helpers import Server

server = helpers.server
COUNT = '"""Count the items."""\n\n\ndef run(inputs: dict) -> dict:\n    return {"n": len(inputs["items"])}\n'


class _Fixed:
    """A strategy that always proposes the same (correct) code: synthesis without the search time."""

    name, cost = "fixed_count", 1

    def unavailable(self, ctx: SynthContext) -> str | None:
        return None

    def candidates(self, ctx: SynthContext) -> Iterator[Candidate]:
        yield Candidate(strategy=self.name, label="fixed", source=COUNT, origin=Origin.synthesized)


@pytest.fixture
def hub() -> Iterator[Hub]:
    with Hub.open() as opened:
        yield opened


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    box = get_sandbox()
    yield box
    box.close()


@pytest.fixture
def fixed_strategy() -> Iterator[str]:
    registry().register(_Fixed())
    yield _Fixed.name
    registry().unregister(_Fixed.name)


def _count_spec() -> object:
    return parse_spec({
        "name": "count_items", "inputs": {"items": {"type": "array"}}, "outputs": {"n": {"type": "integer"}},
        "constraints": ["deterministic", "pure"],
        "tests": [{"name": f"c{i}", "input": {"items": list(range(i))}, "expected": {"n": i}}
                  for i in range(4)]})


def _synth(hub: Hub, sandbox: Sandbox, strategy: str, *, publish: bool = True) -> object:
    spec = _count_spec()
    request = SynthesisRequest.model_validate({"spec": spec, "strategies": [strategy], "publish": publish})
    return synthesize(spec, hub, request=request, sandbox=sandbox)  # type: ignore[arg-type]


def test_validate_judges_a_claim_as_hand_written(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "mean", MEAN, cases=MEAN_CASES, origin="synthesized")
    done = plugsmith("validate", str(plugin), "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["verdict"] == "approved" and report["tier"] == "Tier 2"
    assert any("claims origin 'synthesized'" in line for line in report["audit_log"])


def test_local_publish_of_a_claim_is_tier2(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path / "mean", MEAN, name="mean", cases=MEAN_CASES, origin="adapted")
    done = plugsmith("hub", "publish", str(plugin), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["tier"] == "Tier 2"


def test_synth_publishes_tier1_with_a_signed_attestation(hub: Hub, sandbox: Sandbox, fixed_strategy: str,
                                                         tmp_path: Path) -> None:
    outcome = _synth(hub, sandbox, fixed_strategy)
    assert outcome.status == Status.approved and outcome.trust_tier == Tier.tier1, outcome.message  # type: ignore[attr-defined]
    release = hub.get("count_items")
    assert release.tier == Tier.tier1 and release.gate_report["tier"] == "Tier 1"
    assert any("attested" in line for line in release.gate_report["audit_log"])
    record = hub.synthesis_record(outcome.record["spec_hash"])  # type: ignore[attr-defined]
    assert attested_origin(record["attestation"], release.checksum) == "synthesized"
    again = validate(hub.checkout(release), hub=hub)  # the same bytes, gated again: the hub knows them
    assert again.tier == Tier.tier1
    edited = tmp_path / "edited"
    shutil.copytree(hub.checkout(release), edited)
    edited.chmod(0o755)
    (edited / "README.md").chmod(0o644)
    (edited / "README.md").write_text("# count_items, edited\n")
    assert validate(edited, hub=hub).tier == Tier.tier2  # one byte changed: hand-written again


def test_a_kept_draft_is_recognised_by_its_record(hub: Hub, sandbox: Sandbox, fixed_strategy: str) -> None:
    outcome = _synth(hub, sandbox, fixed_strategy, publish=False)
    draft = Path(outcome.record["plugin_dir"])  # type: ignore[attr-defined]
    assert outcome.trust_tier == Tier.tier1  # type: ignore[attr-defined]
    hub.close()
    checked = plugsmith("validate", str(draft), "--json")
    assert checked.returncode == 0 and json.loads(checked.stdout)["tier"] == "Tier 1", checked.stdout
    published = plugsmith("hub", "publish", str(draft), "--json")
    assert published.returncode == 0 and json.loads(published.stdout)["tier"] == "Tier 1", published.stderr


def test_a_forged_attestation_is_not_honoured(hub: Hub, tmp_path: Path, plugsmith_home: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    plugin = make_plugin(tmp_path / "mean", MEAN, name="mean", cases=MEAN_CASES, origin="synthesized")
    digest = checksum(pack(plugin))
    foreign = HubKey.load_or_create(tmp_path / "attacker-keys")
    own = HubKey.load_or_create()
    records = {"sha256:a": attest(foreign, digest, "synthesized"),             # a key nobody trusts here
               "sha256:b": attest(own, "sha256:" + "0" * 64, "synthesized"),   # another artifact
               "sha256:c": {**attest(own, digest, "adapted"), "origin": "builtin"}}  # edited after signing
    for spec_hash, attestation in records.items():
        hub.save_synthesis_record(spec_hash, "mean", {"attestation": attestation})
    assert validate(plugin, hub=hub).tier == Tier.tier2
    monkeypatch.setenv("PLUGSMITH_HUB_KEY", str(tmp_path / "attacker-keys" / "hub_ed25519.pub"))
    assert validate(plugin, hub=hub).tier == Tier.tier1  # …unless this machine chose to trust that key


def test_a_reviewer_promotes_a_clean_upload_to_tier1(server: Server, tmp_path: Path) -> None:
    body = server.publish(helpers.make_plugin(tmp_path)).json()
    assert body["tier"] == "Tier 2"
    url = f"/api/v1/plugins/{body['ref']}/promote"
    assert server.client.post(url, headers=server.auth("publisher")).status_code == 403
    assert server.client.post(url, headers=server.auth("publisher2")).status_code == 403
    promoted = server.client.post(url, json={"reason": "read it"}, headers=server.auth("reviewer"))
    assert promoted.status_code == 200 and promoted.json()["tier"] == "Tier 1", promoted.text
    assert server.client.post(url, headers=server.auth("reviewer2")).status_code == 400  # already Tier 1
    [event] = [e for e in server.hub.events("review") if e["outcome"] == "promoted"]
    assert attested_origin(event["detail"]["attestation"], body["checksum"]) == "reviewed"
    plugin = server.hub.checkout(server.hub.get(body["ref"]))
    assert validate(plugin, hub=server.hub).tier == Tier.tier1  # the hub remembers what it vouched for
    own = server.publish(helpers.make_plugin(tmp_path, "cost_mine"), who="reviewer").json()
    mine = server.client.post(f"/api/v1/plugins/{own['ref']}/promote", headers=server.auth("reviewer"))
    assert mine.status_code == 403 and "own plugin" in mine.json()["error"]["message"]
    styled = helpers.make_plugin(tmp_path, "cost_styled", code=helpers.GOOD_CODE + "\n\nx = None == None\n")
    warned = server.publish(styled).json()
    assert "warn" in {g["status"] for g in warned["gate_report"]["gates"]}
    refused = server.client.post(f"/api/v1/plugins/{warned['ref']}/promote", headers=server.auth("admin"))
    assert refused.status_code == 400 and "cleanly" in refused.json()["error"]["message"]


def test_local_review_promote(tmp_path: Path, plugsmith_home: Path) -> None:
    plugin = make_plugin(tmp_path / "mean", MEAN, name="mean", cases=MEAN_CASES, origin="handwritten")
    assert plugsmith("hub", "publish", str(plugin)).returncode == 0
    done = plugsmith("review", "promote", "mean@1.0.0", "--note", "read every line")
    assert done.returncode == 0 and "Tier 1" in done.stdout, done.stderr
    audit = [json.loads(line) for line in (plugsmith_home / "audit.log").read_text().splitlines()]
    assert audit[-1]["action"] == "promote"
    again = plugsmith("review", "promote", "mean@1.0.0")
    assert again.returncode == 2 and "Traceback" not in again.stderr
