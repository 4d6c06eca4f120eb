"""Deterministic packing and defensive unpacking of plugin archives."""

from __future__ import annotations

import gzip
import io
import os
import tarfile
from pathlib import Path

import pytest

from plugsmith.errors import ArchiveError
from plugsmith.hub import _archive, checksum, pack, unpack
from test_hub_helpers import make_plugin


def _tar(members: list[tuple[tarfile.TarInfo, bytes | None]]) -> bytes:
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w:gz") as tar:
        for info, data in members:
            if data is not None:
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
            else:
                tar.addfile(info)
    return raw.getvalue()


def _file(name: str, data: bytes = b"x") -> tuple[tarfile.TarInfo, bytes]:
    return tarfile.TarInfo(name), data


def _special(name: str, kind: bytes, linkname: str = "") -> tuple[tarfile.TarInfo, None]:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info, None


def test_same_files_give_same_bytes_whatever_the_mtime(tmp_path: Path) -> None:
    a = make_plugin(tmp_path / "a")
    b = make_plugin(tmp_path / "b")
    for path in b.rglob("*"):
        os.utime(path, (1_000_000, 1_000_000))
    os.chmod(b / "README.md", 0o600)  # only the executable bit matters
    assert pack(a) == pack(b)
    assert checksum(pack(a)).startswith("sha256:") and len(checksum(pack(a))) == 71


def test_content_and_exec_bit_change_the_checksum(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    before = checksum(pack(plugin))
    os.chmod(plugin / "plugin.py", 0o755)
    with_exec = checksum(pack(plugin))
    (plugin / "README.md").write_text("changed\n")
    assert len({before, with_exec, checksum(pack(plugin))}) == 3


def test_pack_skips_bytecode_and_caches(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    clean = pack(plugin)
    (plugin / "__pycache__").mkdir()
    (plugin / "__pycache__" / "plugin.cpython-311.pyc").write_bytes(b"\0junk")
    (plugin / "stray.pyc").write_bytes(b"\0junk")
    assert pack(plugin) == clean


def test_pack_gzip_header_has_no_timestamp(tmp_path: Path) -> None:
    data = pack(make_plugin(tmp_path))
    assert data[4:8] == b"\0\0\0\0"  # gzip MTIME field
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        members = tar.getmembers()
    assert [m.name for m in members] == sorted(m.name for m in members)
    assert all(m.mtime == 0 and m.uid == 0 and m.gid == 0 and m.mode in (0o644, 0o755) for m in members)


def test_pack_refuses_symlinks(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    (plugin / "link.py").symlink_to(plugin / "plugin.py")
    with pytest.raises(ArchiveError, match="only regular files and directories"):
        pack(plugin)


def test_round_trip_restores_files_and_modes(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path)
    os.chmod(plugin / "plugin.py", 0o755)
    unpack(pack(plugin), tmp_path / "out")
    assert (tmp_path / "out" / "tests" / "cases.json").read_text() == "[]"
    assert os.stat(tmp_path / "out" / "plugin.py").st_mode & 0o111
    assert pack(tmp_path / "out") == pack(plugin)


@pytest.mark.parametrize(
    ("members", "needle"),
    [
        ([_file("/etc/passwd")], "absolute path"),
        ([_file("../escape.py")], "escapes"),
        ([_file("ok/../../escape.py")], "escapes"),
        ([_special("link.py", tarfile.SYMTYPE, "/etc/passwd")], "link"),
        ([_file("a.py"), _special("b.py", tarfile.LNKTYPE, "a.py")], "link"),
        ([_special("dev", tarfile.CHRTYPE)], "device, fifo"),
        ([_special("fifo", tarfile.FIFOTYPE)], "device, fifo"),
        ([_file("a.py"), _file("a.py")], "appears twice"),
        ([_file("a/" * 40 + "deep.py")], "nests more than"),  # unpacked, walks would run out of recursion
    ],
)
def test_unsafe_archives_are_refused_and_nothing_is_written(
        tmp_path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], needle: str) -> None:
    dest = tmp_path / "dest"
    with pytest.raises(ArchiveError, match=needle) as info:
        unpack(_tar(members), dest)
    assert "\n" not in info.value.one_line()
    assert not dest.exists()
    assert not (tmp_path / "escape.py").exists()


def test_too_many_members_refused(tmp_path: Path) -> None:
    data = _tar([_file(f"f{i}.txt") for i in range(6)])
    with pytest.raises(ArchiveError, match="more than 5 members"):
        unpack(data, tmp_path / "d", max_members=5)
    unpack(data, tmp_path / "ok", max_members=6)
    assert len(list((tmp_path / "ok").iterdir())) == 6


def test_oversized_member_and_total_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_archive, "MAX_MEMBER_BYTES", 100)
    with pytest.raises(ArchiveError, match="limit 100"):
        unpack(_tar([_file("big.bin", b"0" * 101)]), tmp_path / "a")
    monkeypatch.setattr(_archive, "MAX_TOTAL_BYTES", 150)
    with pytest.raises(ArchiveError, match="more than 150 bytes"):
        unpack(_tar([_file("a.bin", b"0" * 80), _file("b.bin", b"0" * 80)]), tmp_path / "b")


@pytest.mark.parametrize("data", [b"", b"not an archive", gzip.compress(b"not a tar" * 100, mtime=0)],
                         ids=["empty", "text", "gzip-not-tar"])
def test_garbage_is_a_one_line_archive_error(tmp_path: Path, data: bytes) -> None:
    with pytest.raises(ArchiveError, match="not a valid plugin archive") as info:
        unpack(data, tmp_path / "d")
    assert "\n" not in info.value.one_line()


def test_truncated_archive_refused(tmp_path: Path) -> None:
    data = pack(make_plugin(tmp_path))
    with pytest.raises(ArchiveError):
        unpack(data[: len(data) // 2], tmp_path / "d")
    assert not (tmp_path / "d").exists()


def test_pack_refuses_a_tree_nested_past_the_recursion_limit(tmp_path: Path) -> None:
    from test_sandbox_helpers import deep_tree, remove_deep_tree

    plugin = make_plugin(tmp_path / "p")
    deep_tree(plugin, 1200)
    try:
        with pytest.raises(ArchiveError, match="more than 16 levels"):
            pack(plugin)
    finally:
        remove_deep_tree(plugin)
