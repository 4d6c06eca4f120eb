"""``verify_hub``: check every artifact of a hub against its checksum and the hub key's signature.

What ``plugsmith hub verify`` calls. It reads, never repairs: each problem names the release, what is
wrong and what to do, and the caller decides the exit status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from plugsmith.errors import NotFound, TamperedArtifact
from plugsmith.governance._signing import HubKey, key_id_of, signature_mismatch, trusted_key


@dataclass(frozen=True)
class Problem:
    """One finding: ``kind`` is tampered | missing | unsigned | bad-signature | manifest-changed |
    untrusted-key (signed by a key this machine has no way to check)."""

    ref: str
    checksum: str
    kind: str
    message: str

    def one_line(self) -> str:
        return f"{self.ref}: {self.kind}: {self.message}"


def verify_hub(
    hub: Any,
    *,
    key_dir: Path | None = None,
    require_signatures: bool = True,
    public_pem: str | None = None,
    check_artifacts: bool = True,
) -> list[Problem]:
    """Problems found across every release of ``hub`` (an empty list means all is well).

    ``public_pem`` defaults to the hub key in ``$PLUGSMITH_HOME/keys`` (created if missing, in which
    case every release shows up as unsigned). An unsigned release is a problem on a signed hub (one
    that holds any signature: ``plugsmith serve`` signs every release), or everywhere with
    ``require_signatures``; a hub that was never served has none and relies on checksums.
    ``check_artifacts=False`` skips re-hashing the artifacts, for a caller that has just done so
    (``plugsmith hub verify``).
    """
    from plugsmith.server._app import _engine_of
    from plugsmith.server._store import ServerStore

    engine = _engine_of(hub)
    pem_for = _key_finder(hub, public_pem, key_dir)
    store = ServerStore(engine=engine) if engine is not None else ServerStore()
    try:
        signed = _signatures(store)
    finally:
        if engine is None:
            store.close()
    require_signatures = require_signatures or bool(signed)
    problems: list[Problem] = []
    for release in hub.search("", limit=1_000_000):
        problems.extend(
            _check(hub, release, signed.get(release.checksum), pem_for, require_signatures, check_artifacts)
        )
    return problems


def _key_finder(hub: Any, public_pem: str | None, key_dir: Path | None) -> Callable[[str], str | None]:
    """key id -> the public key to check its signatures with: ``public_pem`` (default this machine's
    hub key file), or a key of the hub's key ring this process can trust (``trusted_key``); None when
    there is none (a signature ``verify_hub`` cannot check is reported as ``untrusted-key``)."""
    from plugsmith.governance._keys import KeyRing

    local = public_pem
    if local is None:
        ring_keys = False
        engine = getattr(hub, "engine", None)
        if engine is not None:
            try:
                ring_keys = bool(KeyRing(engine).records())
            except Exception:  # noqa: BLE001 - a database from before the key ring
                ring_keys = False
        key = HubKey.existing(key_dir) if ring_keys else HubKey.load_or_create(key_dir)
        local = key.public_pem() if key is not None else None
    found: dict[str, str | None] = {}

    def pem_for(key_id: str) -> str | None:
        if key_id not in found:
            own = local if local is not None and key_id_of(local) == key_id else None
            found[key_id] = own or trusted_key(key_id, hub) or (local if public_pem else None)
        return found[key_id]

    return pem_for


def _signatures(store: Any) -> dict[str, dict[str, Any]]:
    try:
        return store.all_signatures()  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - no server tables: a hub that was never served
        return {}


def _check(hub: Any, release: Any, sig: dict[str, Any] | None, pem_for: Callable[[str], str | None],
           require: bool, check_artifacts: bool) -> list[Problem]:
    ref, checksum = release.ref, release.checksum
    if check_artifacts:
        try:
            hub.read_artifact(checksum)
        except TamperedArtifact as exc:
            return [Problem(ref, checksum, "tampered", exc.message)]
        except NotFound as exc:
            return [Problem(ref, checksum, "missing", exc.message)]
    if sig is None:
        message = "no signature recorded on a hub that signs every release"
        return [Problem(ref, checksum, "unsigned", message)] if require else []
    pem = pem_for(sig["key_id"])
    if pem is None:
        return [Problem(ref, checksum, "untrusted-key",
                        f"signed by hub key {sig['key_id']}, which this machine cannot check: give it the "
                        "hub's key secret (PLUGSMITH_KEY_SECRET) or that key's public file "
                        "(PLUGSMITH_HUB_KEY)")]
    mismatch = signature_mismatch(release.manifest, checksum, sig, pem)
    return [Problem(ref, checksum, *mismatch)] if mismatch else []


__all__ = ["Problem", "verify_hub"]
