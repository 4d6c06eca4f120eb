"""Port schemas are resolved offline: a remote ``$ref`` is refused at the edge and never fetched.

A real loopback listener stands in for the attacker's URL; every test asserts it was never contacted.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import test_server_helpers as helpers
from plugsmith.errors import ManifestError, SpecError
from plugsmith.spec import parse_spec, port_validator
from test_sandbox_helpers import MEAN, MEAN_CASES, make_plugin, plugsmith

server = helpers.server


class Listener:
    """A TCP listener on loopback that counts the connections it accepts."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.contacts = 0
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                continue
            self.contacts += 1
            conn.sendall(b'HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n{"type": "string"}')
            conn.close()

    def url(self, path: str = "x.json") -> str:
        return f"http://127.0.0.1:{self.port}/{path}"

    def close(self) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    held = Listener()
    yield held
    held.close()


def _spec(inputs: dict[str, Any]) -> dict[str, Any]:
    return {"name": "refs", "inputs": inputs, "outputs": {"result": {}}}


def test_remote_refs_in_a_spec_are_refused_without_contact(listener: Listener) -> None:
    remote = listener.url()
    for schema in (
        {"$ref": remote},
        {"type": "array", "items": {"$ref": remote}},
        {"type": "object", "properties": {"a": {"$ref": remote}}},
        {"$defs": {"a": {"$ref": remote}}, "$ref": "#/$defs/a"},
        {"$ref": "https://example.invalid/s.json"},
        {"$ref": "file:///etc/passwd"},
        {"$ref": "other.json"},
        {"$id": remote, "properties": {"a": {"$ref": "sibling.json"}}},
        {"$dynamicRef": remote},
        {"anyOf": [{"type": "null"}, {"$ref": "plugsmith:plan"}]},
    ):
        with pytest.raises(SpecError) as caught:
            parse_spec(_spec({"xs": schema}))
        assert "$" in caught.value.message and "\n" not in caught.value.message, caught.value.message
    assert listener.contacts == 0


def test_local_refs_and_catalog_refs_still_work() -> None:
    local = {"type": "array", "items": {"$ref": "#/$defs/n"}, "$defs": {"n": {"type": "number"}}}
    spec = parse_spec(_spec({"xs": local, "plan_json": {"$ref": "plugsmith:plan"}}))
    assert port_validator(spec.inputs["xs"]).is_valid([1, 2.5])
    assert not port_validator(spec.inputs["xs"]).is_valid(["a"])
    assert port_validator(spec.inputs["plan_json"]).is_valid({"title": "p", "tasks": []})
    with pytest.raises(SpecError, match="does not resolve"):
        parse_spec(_spec({"xs": {"$ref": "#/$defs/missing"}}))
    with pytest.raises(SpecError, match="plugsmith:nope"):
        parse_spec(_spec({"xs": {"$ref": "plugsmith:nope"}}))
    # data that merely looks like a reference (in const/enum/default) is not a reference
    assert parse_spec(_spec({"xs": {"const": {"$ref": "http://127.0.0.1:9/x"}}})).inputs["xs"]


def test_the_shared_validator_never_fetches(listener: Listener) -> None:
    from referencing.exceptions import Unresolvable

    validator = port_validator({"$ref": listener.url()})  # built directly, bypassing the edge check
    with pytest.raises(Unresolvable):
        validator.is_valid("anything")
    assert listener.contacts == 0


def _remote_plugin(tmp_path: Path, listener: Listener) -> Path:
    plugin = make_plugin(tmp_path / "refplug", MEAN, name="refplug", cases=MEAN_CASES,
                         outputs={"result": {"$ref": listener.url()}})
    return plugin


def test_validate_refuses_a_remote_ref_in_one_line(tmp_path: Path, listener: Listener) -> None:
    plugin = _remote_plugin(tmp_path, listener)
    done = plugsmith("validate", str(plugin))
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert "Traceback" not in done.stderr and 1 <= len(lines) <= 2, done.stderr
    assert lines[0].startswith("error: ") and "remote" in lines[0]
    assert listener.contacts == 0


def test_the_manifest_loader_refuses_it_too(tmp_path: Path, listener: Listener) -> None:
    from plugsmith.spec import load_manifest

    with pytest.raises(ManifestError, match="remote"):
        load_manifest(_remote_plugin(tmp_path, listener))
    assert listener.contacts == 0


def test_server_answers_4xx_and_never_fetches(server: helpers.Server, tmp_path: Path,
                                              listener: Listener) -> None:
    plugin = helpers.make_plugin(tmp_path)
    manifest = json.loads((plugin / "plugin.json").read_text())
    manifest["outputs"] = {"total": {"$ref": listener.url()}}
    (plugin / "plugin.json").write_text(json.dumps(manifest))
    response = server.publish(plugin)
    assert 400 <= response.status_code < 500, response.text
    assert "remote" in response.json()["error"]["message"]
    near = server.client.post("/api/v1/near-matches", json=_spec({"xs": {"$ref": listener.url()}}))
    assert near.status_code == 400
    assert listener.contacts == 0


def test_stored_schemas_that_skipped_the_edge_are_still_offline(listener: Listener) -> None:
    """A release stored before this check (or a row edited in the database) is rebuilt without
    re-validation; the validators downstream must not fetch its references either."""
    from plugsmith.pipeline._execute import output_problem
    from plugsmith.synth._judge import _schema_problem

    remote = {"result": {"$ref": listener.url()}}
    checks = (lambda: output_problem({"result": 1}, [remote]), lambda: _schema_problem({"result": 1}, remote))
    for check in checks:
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - refusing to resolve is fine; fetching is not
            assert "Unresolvable" in type(exc).__name__ + repr(exc), exc
    assert listener.contacts == 0
