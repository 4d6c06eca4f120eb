"""Archive bombs in the headers: bounded PAX/GNU records, member and header counts, chained headers.

Memory is measured with tracemalloc (what Python allocates while unpacking), loosely: the point is
that it no longer grows with the size of a hostile record. Time and peak RSS at full size (a 1 GiB
record, 200,000 entries) are in benchmarks/archive_bombs.py.
"""

from __future__ import annotations

import tarfile
import tracemalloc
from pathlib import Path

import pytest

import test_server_helpers as helpers
from archive_bombs import dot_flood, gzip_stream, header, pax_bomb, pax_chain
from plugsmith.errors import ArchiveError
from plugsmith.hub import MAX_HEADER_BYTES, unpack

server = helpers.server


def _peak_while_refused(data: bytes, dest: Path, match: str) -> int:
    tracemalloc.start()
    try:
        with pytest.raises(ArchiveError, match=match) as info:
            unpack(data, dest)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "\n" not in info.value.one_line()
    assert not dest.exists()
    return peak


def test_a_huge_pax_record_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    data = pax_bomb(32 << 20)  # 32 MiB of header in ~32 KiB of upload
    assert len(data) < 64 * 1024
    peak = _peak_while_refused(data, tmp_path / "d", "header")
    assert peak < 4 << 20, f"peak {peak} bytes while refusing a 32 MiB header"


def test_gnu_long_names_are_bounded_too(tmp_path: Path) -> None:
    size = MAX_HEADER_BYTES + 1
    long_name = header("././@LongLink", size=size, kind=tarfile.GNUTYPE_LONGNAME)
    body = b"a" * size + b"\0" * (-size % 512)
    data = gzip_stream([long_name, body, header("plugin.py"), b"\0" * 1024])
    _peak_while_refused(data, tmp_path / "d", "header")


def test_a_flood_of_dot_entries_counts_as_members(tmp_path: Path) -> None:
    _peak_while_refused(dot_flood(20_000), tmp_path / "d", "more than 1000 members")


def test_chained_pax_headers_are_an_archive_error(tmp_path: Path) -> None:
    _peak_while_refused(pax_chain(3_000), tmp_path / "d", "header")


def test_ordinary_pax_headers_still_unpack(tmp_path: Path) -> None:
    data = pax_bomb(2_000)  # a 1,984-character path: long, but a legal name length for the check
    with pytest.raises(ArchiveError) as info:
        unpack(data, tmp_path / "d")
    assert "header" not in info.value.message  # refused for its name, not for its header size
    from plugsmith.hub import pack

    plugin = tmp_path / "p" / ("deep_" * 30)
    plugin.mkdir(parents=True)
    (plugin / "x.py").write_text("x = 1\n")
    unpack(pack(tmp_path / "p"), tmp_path / "round")  # a >100-character path needs a PAX record
    assert (tmp_path / "round" / ("deep_" * 30) / "x.py").read_text() == "x = 1\n"


def test_server_refuses_header_bombs_with_400(server: helpers.Server) -> None:
    for data in (pax_bomb(32 << 20), dot_flood(20_000), pax_chain(3_000)):
        response = server.client.post(
            "/api/v1/publish", content=data,
            headers={**server.auth("publisher"), "Content-Type": "application/gzip"})
        assert response.status_code == 400, response.text
        assert response.json()["error"]["slug"] == "bad-archive"
