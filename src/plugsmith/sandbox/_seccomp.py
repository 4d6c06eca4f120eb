"""Tiny seccomp-BPF filters, built by hand (no libseccomp needed).

Two layers, both returning ``EPERM`` for the syscalls they deny:

* the *launch* filter, applied to the sandboxed interpreter before it starts (by ``bwrap --seccomp`` or
  by the fallback's pre-exec hook): no new processes or threads (fork bombs and shelling out end here),
  no signals to other processes (the parent survives), no sockets, no new sessions or namespaces, no
  ptrace, no mounts;
* the *lockdown* filter, which the runner applies to itself after start-up and before importing the
  plugin: no ``execve`` (the plugin cannot replace the interpreter by a shell).

Filters are only built for x86-64 and aarch64; elsewhere ``None`` is returned and the other layers
(namespaces, rlimits) still apply. A syscall number from another ABI (x32) is denied too.
"""

from __future__ import annotations

import errno
import platform
import struct

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000

_ARCHES = {  # machine -> (AUDIT_ARCH_*, syscall numbers by name)
    "x86_64": (0xC000003E, {
        "clone": 56, "fork": 57, "vfork": 58, "clone3": 435, "kill": 62, "tkill": 200, "tgkill": 234,
        "socket": 41, "socketpair": 53, "setsid": 112, "setpgid": 109, "ptrace": 101, "mount": 165,
        "umount2": 166, "unshare": 272, "setns": 308, "keyctl": 250, "bpf": 321, "perf_event_open": 298,
        "userfaultfd": 323, "execve": 59, "execveat": 322, "pidfd_open": 434, "pidfd_send_signal": 424,
        "process_vm_writev": 311, "process_vm_readv": 310,
        "shmget": 29, "shmat": 30, "semget": 64, "msgget": 68, "mq_open": 240,  # SysV/POSIX IPC (warm calls)
    }),
    "aarch64": (0xC00000B7, {
        "clone": 220, "clone3": 435, "kill": 129, "tkill": 130, "tgkill": 131, "socket": 198,
        "socketpair": 199, "setsid": 157, "setpgid": 154, "ptrace": 117, "mount": 40, "umount2": 39,
        "unshare": 97, "setns": 268, "keyctl": 219, "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "execve": 221, "execveat": 281, "pidfd_open": 434, "pidfd_send_signal": 424,
        "process_vm_writev": 271, "process_vm_readv": 270,
        "shmget": 194, "shmat": 196, "semget": 190, "msgget": 186, "mq_open": 180,
    }),
}

LAUNCH_DENY = ("clone", "fork", "vfork", "clone3", "kill", "tkill", "tgkill", "socket", "socketpair",
               "setsid", "setpgid", "ptrace", "mount", "umount2", "unshare", "setns", "keyctl", "bpf",
               "perf_event_open", "userfaultfd", "pidfd_open", "pidfd_send_signal", "process_vm_writev",
               "process_vm_readv")
LOCKDOWN_DENY = ("execve", "execveat")


def _insn(code: int, jt: int, jf: int, k: int) -> bytes:
    return struct.pack("=HBBI", code, jt, jf, k)


def build_filter(deny: tuple[str, ...], machine: str | None = None) -> bytes | None:
    """A BPF program denying ``deny`` with EPERM (``clone3`` with ENOSYS so libc falls back to ``clone``).

    Returns None on an architecture this module does not know.
    """
    arch = _ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    audit_arch, table = arch
    numbers = [(table[name], errno.ENOSYS if name == "clone3" else errno.EPERM)
               for name in deny if name in table]
    body: list[bytes] = [_insn(_LD_W_ABS, 0, 0, 4)]
    n = len(numbers)
    # layout: [ld arch][jeq arch][ld nr][jge x32][jeq nr]*n [allow][errno...]*n [kill]
    body.append(_insn(_JEQ_K, 0, 2 * n + 3, audit_arch))  # mismatch -> kill (last)
    body.append(_insn(_LD_W_ABS, 0, 0, 0))
    body.append(_insn(_JGE_K, 2 * n + 1, 0, 0x40000000))  # another ABI (x32) -> kill
    for _nr, _err in numbers:
        # skip the remaining n-1-i checks and the allow, landing on this syscall's errno return
        body.append(_insn(_JEQ_K, n, 0, _nr))
    body.append(_insn(_RET_K, 0, 0, _RET_ALLOW))
    for _nr, err in numbers:
        body.append(_insn(_RET_K, 0, 0, _RET_ERRNO | err))
    body.append(_insn(_RET_K, 0, 0, _RET_KILL_PROCESS))
    return b"".join(body)


__all__ = ["LAUNCH_DENY", "LOCKDOWN_DENY", "build_filter"]
