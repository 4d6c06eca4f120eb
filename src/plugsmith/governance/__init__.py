"""Governance of runtime loading: policy, the gatekeeper in the load path, review queue, audit log.

::

    from plugsmith.governance import Gatekeeper
    keeper = Gatekeeper(hub)                 # policy from $PLUGSMITH_HOME/policy.toml (or defaults)
    decision = keeper.check(release)         # Decision(allowed, reason); audit-logged
    plugin_dir = keeper.load(release)        # PolicyDenied when refused; verified checkout otherwise
    limits = keeper.limits(release)          # the tier's sandbox limits
"""

from plugsmith.governance._audit import AUDIT_FILE, audit_path
from plugsmith.governance._audit import append as append_audit
from plugsmith.governance._audit import read as read_audit
from plugsmith.governance._gatekeeper import NEVER_LOAD, Decision, Gatekeeper, reviewed
from plugsmith.governance._lifecycle import (
    BenchmarkResult,
    LifecyclePolicy,
    auto_deprecate,
    benchmark_capability,
    learn_from_failure,
)
from plugsmith.governance._policy import POLICY_FILE, TIER2_LIMITS, Policy
from plugsmith.governance._review import decide, promote, review_queue
from plugsmith.governance._served import sign_if_served, signing_key_id
from plugsmith.governance._signing import HubKey, manifest_digest, verify_signature

__all__ = [
    "AUDIT_FILE",
    "BenchmarkResult",
    "NEVER_LOAD",
    "POLICY_FILE",
    "TIER2_LIMITS",
    "Decision",
    "Gatekeeper",
    "HubKey",
    "LifecyclePolicy",
    "Policy",
    "append_audit",
    "audit_path",
    "auto_deprecate",
    "benchmark_capability",
    "decide",
    "learn_from_failure",
    "manifest_digest",
    "promote",
    "read_audit",
    "review_queue",
    "reviewed",
    "sign_if_served",
    "signing_key_id",
    "verify_signature",
]
