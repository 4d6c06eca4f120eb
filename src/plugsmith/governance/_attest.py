"""Attestations: the hub's signed word that it made a plugin itself — the only source of Tier 0 and 1.

``plugin.json`` may say anything about where a plugin came from; nothing it says raises a tier. What
does is what this hub did, recorded and signed with its ed25519 key (``$PLUGSMITH_HOME/keys``):

* ``synthesized`` / ``adapted`` — ``plugsmith synth`` made exactly these bytes from a spec. The
  attestation is kept in the synthesis record (``Hub.save_synthesis_record``) under ``attestation``.
* ``builtin`` — the bytes are exactly one of the built-in plugins shipped inside this plugsmith.
* ``reviewed`` — a reviewer promoted exactly this release to Tier 1 (``promote``).

An attestation covers an archive checksum (``sha256:`` of ``pack(dir)``), so it holds for those bytes
only: change one byte and the plugin is hand-written again::

    key = HubKey.load_or_create()
    att = attest(key, checksum, "synthesized", spec_hash="sha256:…", strategy="enumerate")
    attested_origin(att, checksum)       # "synthesized" on a machine that trusts the key; else None
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from cryptography.exceptions import InvalidSignature

from plugsmith.governance._signing import HubKey, _load_public, trusted_key

_DOMAIN = b"plugsmith-attestation-v1\n"
ORIGINS = ("builtin", "synthesized", "adapted", "reviewed")


def attestation_payload(checksum: str, origin: str, spec_hash: str) -> bytes:
    """The exact bytes an attestation signs: a domain tag, the checksum, the origin and the spec hash."""
    return b"\n".join([_DOMAIN.rstrip(b"\n"), checksum.encode("ascii"), origin.encode("ascii"),
                       spec_hash.encode("ascii")])


def attest(key: HubKey, checksum: str, origin: str, *, spec_hash: str = "", **detail: Any) -> dict[str, Any]:
    """The hub's signed statement that it made the plugin with this archive checksum (``origin``)."""
    if origin not in ORIGINS:
        raise ValueError(f"cannot attest origin {origin!r}")
    signature = key.private.sign(attestation_payload(checksum, origin, spec_hash))
    return {"checksum": checksum, "origin": origin, "spec_hash": spec_hash, **detail,
            "key_id": key.key_id, "signature": base64.b64encode(signature).decode("ascii")}


def attested_origin(attestation: Any, checksum: str, hub: Any = None) -> str | None:
    """The origin an attestation vouches for, when it covers ``checksum`` and its signature verifies
    with a key this machine trusts (its own hub key or ``PLUGSMITH_HUB_KEY``, or given the ``hub`` a
    key of its key ring this process can trust: see ``trusted_key``); else None."""
    if not isinstance(attestation, dict) or attestation.get("checksum") != checksum:
        return None
    origin, key_id = attestation.get("origin"), attestation.get("key_id")
    spec_hash, signature = attestation.get("spec_hash", ""), attestation.get("signature")
    if not (isinstance(origin, str) and origin in ORIGINS and isinstance(key_id, str)
            and isinstance(spec_hash, str) and isinstance(signature, str)):
        return None
    pem = trusted_key(key_id, hub)
    if pem is None:
        return None
    try:
        raw = base64.b64decode(signature, validate=True)
        _load_public(pem).verify(raw, attestation_payload(checksum, origin, spec_hash))
    except (binascii.Error, ValueError, InvalidSignature):
        return None
    return str(origin)


__all__ = ["ORIGINS", "attest", "attestation_payload", "attested_origin"]
