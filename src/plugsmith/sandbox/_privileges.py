"""Dropping privileges in the fallback's pre-exec hook: no root, no capabilities, no way back.

A root caller's child gives up every capability in its bounding set, its supplementary groups, and then
its uid and gid for ``SANDBOX_UID``/``SANDBOX_GID`` (nobody/nogroup); the kernel clears the effective and
permitted capabilities with the uid. Any caller's child clears its ambient capabilities. The seccomp
installer that runs next sets ``no_new_privs``, so nothing it executes can gain privileges again.
"""

from __future__ import annotations

import ctypes
import os
from collections.abc import Callable
from pathlib import Path

SANDBOX_UID = 65534
SANDBOX_GID = 65534
_PR_CAPBSET_DROP = 24
_PR_CAP_AMBIENT = 47
_PR_CAP_AMBIENT_CLEAR_ALL = 4


def must_drop() -> bool:
    """Whether this process is root in any of its uids (then the sandboxed child must not stay root)."""
    return 0 in os.getresuid()


def _last_cap() -> int:
    try:
        return int(Path("/proc/sys/kernel/cap_last_cap").read_text())
    except (OSError, ValueError):
        return 63


def drop_hook(drop_uid: bool) -> Callable[[], None]:
    """A pre-exec callable: clear ambient capabilities and, if ``drop_uid``, become nobody for good.

    Everything is looked up before the fork. A failed drop raises, so the sandbox never starts as root.
    """
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    caps = range(_last_cap() + 1)

    def drop() -> None:
        prctl(_PR_CAP_AMBIENT, _PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0)
        if not drop_uid:
            return
        for cap in caps:
            prctl(_PR_CAPBSET_DROP, cap, 0, 0, 0)
        os.setgroups([])
        os.setresgid(SANDBOX_GID, SANDBOX_GID, SANDBOX_GID)
        os.setresuid(SANDBOX_UID, SANDBOX_UID, SANDBOX_UID)
        if 0 in os.getresuid() or 0 in os.getresgid():
            raise OSError("the sandbox is still root after dropping privileges")

    return drop


__all__ = ["SANDBOX_GID", "SANDBOX_UID", "drop_hook", "must_drop"]
