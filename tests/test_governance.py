"""Governance against a real hub: policy file, gatekeeper decisions, audit log, review, kill switch."""

from __future__ import annotations

from pathlib import Path

import pytest

from plugsmith.errors import BadInput, ConfigError, PolicyDenied
from plugsmith.governance import TIER2_LIMITS, Gatekeeper, Policy, decide, read_audit, review_queue
from plugsmith.hub import Hub
from plugsmith.sandbox import Limits
from plugsmith.spec import Permission, Status, Tier
from test_sandbox_helpers import MEAN, MEAN_CASES, make_plugin


@pytest.fixture
def hub() -> Hub:
    opened = Hub.open()
    yield opened
    opened.close()


def _publish(hub: Hub, tmp_path: Path, *, name: str = "mean", status: Status = Status.approved,
             tier: Tier | None = Tier.tier1, version: str = "1.0.0", **kw):
    plugin = make_plugin(tmp_path / f"{name}-{version}", MEAN, name=name, cases=MEAN_CASES, version=version,
                         **kw)
    return hub.publish(plugin, status=status, tier=tier)


def test_policy_defaults_and_file(plugsmith_home: Path) -> None:
    default = Policy.load()
    assert default.allowed_tiers == {Tier.tier0, Tier.tier1, Tier.tier2} and default.grantable == set()
    assert default.limits_for(Tier.tier2) == TIER2_LIMITS and default.limits_for(None) == Limits()
    (plugsmith_home / "policy.toml").write_text(
        'allowed_tiers = ["Tier 0", "Tier 1"]\nsensitive_capabilities = ["payroll"]\n'
        'grantable = ["fs_read"]\n[limits."Tier 1"]\nwall_s = 3\nmemory_mb = 128\n')
    policy = Policy.load()
    assert policy.allowed_tiers == {Tier.tier0, Tier.tier1} and policy.grantable == {Permission.fs_read}
    assert policy.sensitive_capabilities == {"payroll"}
    assert policy.limits_for(Tier.tier1) == Limits(wall_s=3.0, memory_mb=128)


@pytest.mark.parametrize("text", ["allowed_tiers = [", 'allowed_tiers = ["Tier 9"]', 'grantable = ["root"]',
                                  "colour = 1", '[limits."Tier 1"]\nwall_s = -1', '[limits.fast]\nwall_s = 1',
                                  '[limits.default]\nbogus = 1'])
def test_bad_policy_file_is_a_config_error(plugsmith_home: Path, text: str) -> None:
    (plugsmith_home / "policy.toml").write_text(text)
    with pytest.raises(ConfigError):
        Policy.load()


def test_approved_release_loads_and_is_audited(hub: Hub, tmp_path: Path) -> None:
    release = _publish(hub, tmp_path)
    keeper = Gatekeeper(hub)
    path = keeper.load(release)
    assert (path / "plugin.py").read_text().strip().endswith('inputs["xs"])}')
    audit = read_audit()
    assert audit[-1]["allowed"] is True and audit[-1]["ref"] == "mean@1.0.0"
    assert audit[-1]["checksum"] == release.checksum


@pytest.mark.parametrize("status, words", [(Status.rejected, "rejected"), (Status.yanked, "yanked"),
                                           (Status.quarantined, "quarantined")])
def test_final_statuses_never_load(hub: Hub, tmp_path: Path, status: Status, words: str) -> None:
    release = _publish(hub, tmp_path)
    release = hub.set_status(release.ref, status)
    decision = Gatekeeper(hub).check(release)
    assert not decision.allowed and words in decision.reason
    with pytest.raises(PolicyDenied):
        Gatekeeper(hub).load(release, pinned=True)
    assert read_audit()[-1]["allowed"] is False


def test_deprecated_loads_only_when_pinned(hub: Hub, tmp_path: Path) -> None:
    release = hub.set_status(_publish(hub, tmp_path).ref, Status.deprecated)
    keeper = Gatekeeper(hub)
    assert not keeper.check(release).allowed
    assert keeper.check(release, pinned=True).allowed


def test_tier_must_be_allowed(hub: Hub, tmp_path: Path) -> None:
    release = _publish(hub, tmp_path, tier=Tier.tier2)
    assert Gatekeeper(hub).check(release).allowed
    strict = Policy(allowed_tiers={Tier.tier0, Tier.tier1})
    decision = Gatekeeper(hub, strict).check(release)
    assert not decision.allowed and "Tier 2" in decision.reason
    assert Gatekeeper(hub).limits(release) == TIER2_LIMITS


def test_permissions_must_be_grantable(hub: Hub, tmp_path: Path) -> None:
    release = _publish(hub, tmp_path, tier=Tier.tier2, permissions=["fs_read"])
    assert "not grantable" in Gatekeeper(hub).check(release).reason
    assert Gatekeeper(hub, Policy(grantable={Permission.fs_read})).check(release).allowed


def test_tampered_artifact_is_refused(hub: Hub, tmp_path: Path, plugsmith_home: Path) -> None:
    release = _publish(hub, tmp_path)
    stored = [p for p in (plugsmith_home / "artifacts").rglob("*") if p.is_file()
              and release.checksum.split(":")[1] in p.name]
    assert stored, "artifact file not found"
    stored[0].chmod(0o644)
    stored[0].write_bytes(b"evil")
    decision = Gatekeeper(hub).check(release)
    assert not decision.allowed and "artifact" in decision.reason


def test_sensitive_capability_needs_review(hub: Hub, tmp_path: Path) -> None:
    policy = Policy(sensitive_capabilities={"payroll"})
    release = _publish(hub, tmp_path, name="payroll", status=Status.pending_review)
    keeper = Gatekeeper(hub, policy)
    assert "review" in keeper.check(release).reason
    assert [r.ref for r in review_queue(hub)] == ["payroll@1.0.0"]
    approved = decide(hub, release.ref, approve=True, note="checked the maths")
    assert approved.status == Status.approved and review_queue(hub) == []
    assert keeper.check(approved).allowed
    # an approved-but-never-reviewed release of a sensitive capability is still refused
    unreviewed = _publish(hub, tmp_path, name="payroll", version="1.1.0")
    assert "no human review" in keeper.check(unreviewed).reason


def test_review_cannot_resurrect_rejected(hub: Hub, tmp_path: Path) -> None:
    release = hub.set_status(_publish(hub, tmp_path).ref, Status.quarantined)
    with pytest.raises(BadInput):
        decide(hub, release.ref, approve=True)
    rejected = decide(hub, _publish(hub, tmp_path, version="2.0.0", status=Status.pending_review).ref,
                      approve=False)
    assert rejected.status == Status.rejected
