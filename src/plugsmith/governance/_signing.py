"""Ed25519 signatures of hub releases.

A release is signed over ``checksum + manifest digest``: the checksum pins the archive bytes, the digest
pins what the hub *says* about them (name, version, permissions). A client that holds the hub's public
key can therefore detect a swapped archive *and* a manifest edited in the database.

The hub's key lives in ``$PLUGSMITH_HOME/keys/``: ``hub_ed25519.pem`` (private, mode 0600) and
``hub_ed25519.pub``. It is created on first use; two processes racing to create it end up with the same
key, because the private file is published with ``os.link`` (which never overwrites)::

    key = HubKey.load_or_create()
    sig = key.sign("sha256:ab…", manifest)
    assert verify_signature(key.public_pem(), "sha256:ab…", manifest_digest(manifest), sig)
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from plugsmith import config
from plugsmith.atomic import write_bytes as _write_atomic
from plugsmith.errors import ConfigError

PRIVATE_FILE = "hub_ed25519.pem"
PUBLIC_FILE = "hub_ed25519.pub"
_DOMAIN = b"plugsmith-release-v1\n"


def manifest_digest(manifest: Any) -> str:
    """``sha256:<hex>`` of the manifest's canonical JSON (sorted keys, no spaces).

    Accepts a pydantic model or an already-dumped dict, so the server and a client that only saw the
    JSON compute the same digest.
    """
    data = manifest.model_dump(mode="json") if hasattr(manifest, "model_dump") else manifest
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return "sha256:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def signing_payload(checksum: str, digest: str) -> bytes:
    """The exact bytes that are signed: a domain tag, the checksum and the manifest digest."""
    return _DOMAIN + checksum.encode("ascii") + b"\n" + digest.encode("ascii")


def key_id_of(public_pem: str | bytes) -> str:
    """A short, stable name for a public key (first 16 hex digits of its raw bytes' sha256)."""
    raw = _load_public(public_pem).public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def _load_public(public_pem: str | bytes) -> Ed25519PublicKey:
    data = public_pem.encode("ascii") if isinstance(public_pem, str) else public_pem
    try:
        key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise ConfigError(f"not a PEM public key: {exc}", subject="hub key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise ConfigError("the hub key is not an ed25519 key", subject="hub key")
    return key


def verify_signature(public_pem: str | bytes, checksum: str, digest: str, signature: str) -> bool:
    """True when ``signature`` (base64) is the hub key's signature of ``checksum`` + ``digest``."""
    try:
        raw = base64.b64decode(signature, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        _load_public(public_pem).verify(raw, signing_payload(checksum, digest))
    except (InvalidSignature, ValueError):
        return False
    return True


def signature_mismatch(manifest: Any, checksum: str, recorded: dict[str, Any],
                       public_pem: str | bytes) -> tuple[str, str] | None:
    """``(kind, message)`` when a recorded signature does not vouch for this release, else None.

    ``recorded`` holds the ``manifest_digest``, ``signature`` and ``key_id`` the hub stored at publish;
    ``kind`` is ``manifest-changed`` or ``bad-signature``. The gatekeeper and ``verify_hub`` share it.
    """
    digest = manifest_digest(manifest)
    if digest != recorded["manifest_digest"]:
        return "manifest-changed", "the stored manifest differs from the one the hub signed"
    if not verify_signature(public_pem, checksum, digest, recorded["signature"]):
        return "bad-signature", f"signature does not verify with hub key {recorded['key_id']}"
    return None


def trusted_key(key_id: str, hub: Any = None) -> str | None:
    """The PEM of the trusted hub key with this id: ``PLUGSMITH_HUB_KEY`` or this home's own key — or,
    given the ``hub``, a key of the hub's key ring in its database that this process can trust (it
    opened the ring with the key secret, or a rotation chain links the key to a trusted one)."""
    candidates = [Path(p) for p in (os.environ.get("PLUGSMITH_HUB_KEY"),) if p]
    candidates.append(config.home() / "keys" / PUBLIC_FILE)
    anchors = []
    for path in candidates:
        try:
            pem = path.read_text(encoding="ascii")
            found = key_id_of(pem)
        except (OSError, ConfigError):
            continue
        if found == key_id:
            return pem
        anchors.append(pem)
    if hub is None:
        return None
    from plugsmith.governance._keys import hub_trusted_key

    return hub_trusted_key(hub, key_id, anchors)


@dataclass(frozen=True)
class HubKey:
    """The hub's signing key. Build it with ``load_or_create`` (a key file in ``$PLUGSMITH_HOME/keys``)
    or ``governance._keys.KeyRing.active`` (the hub's key in its database: ``path`` is None); never
    log ``private``."""

    private: Ed25519PrivateKey
    path: Path | None = None

    @classmethod
    def load_or_create(cls, directory: Path | None = None) -> HubKey:
        """Load the key from ``directory`` (default ``$PLUGSMITH_HOME/keys``), creating it if missing."""
        folder = directory or config.home() / "keys"
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        path = folder / PRIVATE_FILE
        if not path.exists():
            _create(path)
        try:
            key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        except ValueError as exc:
            raise ConfigError(
                f"cannot read the hub key: {exc}",
                subject=str(path),
                hint="restore the key from a backup or move it away to create a new one",
            ) from None
        if not isinstance(key, Ed25519PrivateKey):
            raise ConfigError("the hub key is not an ed25519 key", subject=str(path))
        hub_key = cls(private=key, path=path)
        public = folder / PUBLIC_FILE
        if not public.exists() or public.read_text(encoding="ascii") != hub_key.public_pem():
            _write_atomic(public, hub_key.public_pem().encode("ascii"), mode=0o644)
        return hub_key

    @classmethod
    def existing(cls, directory: Path | None = None) -> HubKey | None:
        """The key in ``directory`` (default ``$PLUGSMITH_HOME/keys``) if there is one; never creates."""
        folder = directory or config.home() / "keys"
        return cls.load_or_create(folder) if (folder / PRIVATE_FILE).is_file() else None

    def public_pem(self) -> str:
        """The public key as PEM text: what clients pin and verify against."""
        return (
            self.private.public_key()
            .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_pem())

    def sign(self, checksum: str, manifest: Any) -> str:
        """Base64 signature of ``checksum`` + the manifest's digest."""
        return self.sign_digest(checksum, manifest_digest(manifest))

    def sign_digest(self, checksum: str, digest: str) -> str:
        """Base64 signature when the caller already holds the manifest digest."""
        return base64.b64encode(self.private.sign(signing_payload(checksum, digest))).decode("ascii")


def _create(path: Path) -> None:
    """Write a fresh private key without ever overwriting one another process wrote first."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".key-")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)  # atomic and exclusive: the first writer wins
    finally:
        os.unlink(tmp)


__all__ = ["HubKey", "key_id_of", "manifest_digest", "signature_mismatch", "signing_payload",
           "trusted_key", "verify_signature"]
