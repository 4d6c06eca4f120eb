"""The Python runtime as the fallback's unprivileged uid sees it: in place where it can, else staged.

The rlimit fallback drops a root caller to uid 65534 before the interpreter starts. That uid must be able
to reach the interpreter, libpython and the standard library. Where the installation lives below a
directory it cannot enter (pyenv under ``/root``, say), a copy made of hard links — the interpreter,
libpython and the standard library without ``site-packages`` and the test suite — is staged once per
interpreter under ``/var/cache/plugsmith`` and run from there. The stage is only ever used when it and
every directory above it belong to root and nobody else can write to them.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import sysconfig
import tempfile
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from plugsmith.errors import SandboxError
from plugsmith.sandbox._launch import interpreter, python_root

STAGE_BASE = Path("/var/cache/plugsmith")
_SKIP = {"site-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip", "lib2to3"}


@dataclass(frozen=True)
class Runtime:
    """Where to start Python: the binary, the installation root (for the fence), extra environment."""

    interpreter: Path
    root: Path
    staged: bool = False
    env: dict[str, str] = field(default_factory=dict)


def reachable_by_others(path: Path) -> bool:
    """Whether any uid can reach ``path``: every directory above it searchable, the path readable."""
    path = Path(os.path.realpath(path))
    try:
        if not os.stat(path).st_mode & stat.S_IROTH:
            return False
        return all(os.stat(parent).st_mode & stat.S_IXOTH for parent in path.parents)
    except OSError:
        return False


def _stdlib() -> Path:
    return Path(os.path.realpath(sysconfig.get_paths()["stdlib"]))


def _trusted(path: Path) -> bool:
    """Owned by root and writable by nobody else, as is every directory above it."""
    for part in (path, *path.parents):
        try:
            info = os.lstat(part)
        except OSError:
            return False
        if stat.S_ISLNK(info.st_mode) or info.st_uid != 0 or info.st_mode & 0o022:
            return False
    return True


def _link(src: str, dst: str) -> str:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or links refused: a copy does the same job
        shutil.copy2(src, dst)
    return dst


def _build(into: Path) -> None:
    """Hard-link (or copy) the interpreter, libpython and the standard library below ``into``."""
    binary = interpreter()
    (into / "bin").mkdir()
    _link(str(binary), str(into / "bin" / binary.name))
    libdir = Path(sysconfig.get_config_var("LIBDIR") or python_root() / "lib")
    (into / "lib").mkdir()
    for name in {sysconfig.get_config_var("LDLIBRARY"), sysconfig.get_config_var("INSTSONAME")} - {None}:
        if name.endswith(".so") or ".so." in name:
            source = libdir / name
            if source.is_file():
                _link(str(source.resolve()), str(into / "lib" / name))
    stdlib = _stdlib()
    shutil.copytree(stdlib, into / "lib" / stdlib.name, copy_function=_link, symlinks=True,
                    ignore=lambda _d, names: [n for n in names if n in _SKIP])
    for root, dirs, _files in os.walk(into):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
    into.chmod(0o755)


def _stage() -> Path:
    binary = interpreter()
    info = binary.stat()
    key = hashlib.sha256(f"{binary}\0{info.st_ino}\0{info.st_mtime_ns}\0{info.st_size}".encode()).hexdigest()
    final = STAGE_BASE / f"python-{key[:16]}"
    STAGE_BASE.mkdir(mode=0o755, parents=True, exist_ok=True)
    if not _trusted(STAGE_BASE):
        raise SandboxError(f"{STAGE_BASE} (or a directory above it) is not root-owned and private",
                           subject="sandbox", hint=f"remove {STAGE_BASE} and let plugsmith recreate it")
    if not final.is_dir():
        tmp = Path(tempfile.mkdtemp(prefix=".stage-", dir=STAGE_BASE))
        try:
            _build(tmp)
            os.rename(tmp, final)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not final.is_dir():  # not a lost race with another process: a real failure
                raise
    if not _trusted(final):
        raise SandboxError(f"the staged runtime {final} is not root-owned and private", subject="sandbox",
                           hint=f"remove {final} and let plugsmith recreate it")
    return final


@cache
def runtime_for_other_uid() -> Runtime:
    """The runtime an unprivileged uid can start: this one if reachable, else a staged copy (root only)."""
    if reachable_by_others(interpreter()) and reachable_by_others(_stdlib() / "os.py"):
        return Runtime(interpreter(), python_root())
    try:
        stage = _stage()
    except OSError as exc:
        raise SandboxError(f"cannot stage the Python runtime for the sandbox uid: {exc}", subject="sandbox",
                           hint="install Python where every user can read it, or use bubblewrap") from None
    return Runtime(stage / "bin" / interpreter().name, stage, staged=True,
                   env={"LD_LIBRARY_PATH": str(stage / "lib")})


__all__ = ["STAGE_BASE", "Runtime", "reachable_by_others", "runtime_for_other_uid"]
