"""Tiny seccomp-BPF filters, built by hand (no libseccomp needed).

Two layers, both returning ``EPERM`` for the syscalls they deny:

* the *launch* filter, applied to the sandboxed interpreter before it starts (by ``bwrap --seccomp`` or
  by the fallback's pre-exec hook), the same for both backends. It denies, by group (``DENY_GROUPS``):
  new processes and threads (fork bombs and shelling out end here), signals to other processes (the
  parent survives), new sessions, every way to a network or a socket — ``socket``/``socketpair`` and
  io_uring, whose kernel workers would otherwise open and connect sockets for the plugin — and the
  kernel's attack surface: ptrace and other processes' memory, namespaces and mounts, keyrings, BPF,
  perf events, userfaultfd, module loading, kexec, file handles, and the host-wide settings a root
  process could change (hostname, clock, swap, reboot, quotas, accounting); and what the fallback's
  Landlock fence does not cover: System V and POSIX IPC objects (host-wide without an IPC namespace),
  a file's mode, owner, times and extended attributes, and inotify watches; and Linux AIO, whose event
  budget is the host's;
* the *lockdown* filter, which the runner applies to itself after start-up and before importing the
  plugin: no ``execve`` (the plugin cannot replace the interpreter by a shell).

Filters are only built for x86-64 and aarch64; elsewhere ``None`` is returned and the other layers
(namespaces, rlimits) still apply. A syscall number from another ABI (x32), or another architecture, kills
the process.
"""

from __future__ import annotations

import errno
import platform
import struct

_LD_W_ABS = 0x20
_JEQ_K = 0x15
_JGE_K = 0x35
_JA = 0x05
_RET_K = 0x06
_RET_ALLOW = 0x7FFF0000
_RET_ERRNO = 0x00050000
_RET_KILL_PROCESS = 0x80000000

# name -> (x86-64 number, aarch64 number or None where the call does not exist there)
_NUMBERS: dict[str, tuple[int, int | None]] = {
    "clone": (56, 220), "fork": (57, None), "vfork": (58, None), "clone3": (435, 435),
    "kill": (62, 129), "tkill": (200, 130), "tgkill": (234, 131), "pidfd_open": (434, 434),
    "pidfd_send_signal": (424, 424), "setsid": (112, 157), "setpgid": (109, 154),
    "socket": (41, 198), "socketpair": (53, 199),
    "io_uring_setup": (425, 425), "io_uring_enter": (426, 426), "io_uring_register": (427, 427),
    "ptrace": (101, 117), "process_vm_readv": (310, 270), "process_vm_writev": (311, 271),
    "pidfd_getfd": (438, 438), "kcmp": (312, 272), "process_madvise": (440, 440),
    "migrate_pages": (256, 238), "move_pages": (279, 239),
    "mount": (165, 40), "umount2": (166, 39), "pivot_root": (155, 41), "chroot": (161, 51),
    "unshare": (272, 97), "setns": (308, 268), "open_tree": (428, 428), "move_mount": (429, 429),
    "fsopen": (430, 430), "fsconfig": (431, 431), "fsmount": (432, 432), "fspick": (433, 433),
    "mount_setattr": (442, 442),
    "keyctl": (250, 219), "add_key": (248, 217), "request_key": (249, 218),
    "bpf": (321, 280), "perf_event_open": (298, 241), "userfaultfd": (323, 282),
    "init_module": (175, 105), "finit_module": (313, 273), "delete_module": (176, 106),
    "kexec_load": (246, 104), "kexec_file_load": (320, 294),
    "open_by_handle_at": (304, 265), "name_to_handle_at": (303, 264), "fanotify_init": (300, 262),
    "lookup_dcookie": (212, 18), "nfsservctl": (180, 42), "uselib": (134, None), "_sysctl": (156, None),
    "sethostname": (170, 161), "setdomainname": (171, 162), "reboot": (169, 142), "swapon": (167, 224),
    "swapoff": (168, 225), "acct": (163, 89), "settimeofday": (164, 170), "clock_settime": (227, 112),
    "clock_adjtime": (305, 266), "adjtimex": (159, 171), "iopl": (172, None), "ioperm": (173, None),
    "modify_ldt": (154, None), "quotactl": (179, 60), "quotactl_fd": (443, 443), "syslog": (103, 116),
    "vhangup": (153, 58), "personality": (135, 92),
    "execve": (59, 221), "execveat": (322, 281),
    "shmget": (29, 194), "shmat": (30, 196), "shmctl": (31, 195), "shmdt": (67, 197), "semget": (64, 190),
    "semop": (65, 193), "semctl": (66, 191), "semtimedop": (220, 192), "msgget": (68, 186),
    "msgsnd": (69, 189), "msgrcv": (70, 188), "msgctl": (71, 187), "mq_open": (240, 180),
    "mq_unlink": (241, 181), "mq_timedsend": (242, 182), "mq_timedreceive": (243, 183),
    "mq_notify": (244, 184), "mq_getsetattr": (245, 185),
    "chmod": (90, None), "fchmod": (91, 52), "fchmodat": (268, 53), "fchmodat2": (452, 452),
    "chown": (92, None), "fchown": (93, 55), "lchown": (94, None), "fchownat": (260, 54),
    "utime": (132, None), "utimes": (235, None), "futimesat": (261, None), "utimensat": (280, 88),
    "setxattr": (188, 5), "lsetxattr": (189, 6), "fsetxattr": (190, 7), "removexattr": (197, 14),
    "lremovexattr": (198, 15), "fremovexattr": (199, 16), "setxattrat": (463, 463),
    "removexattrat": (466, 466), "file_setattr": (469, 469), "truncate": (76, 45),
    "inotify_init": (253, None), "inotify_init1": (294, 26), "inotify_add_watch": (254, 27),
    "io_setup": (206, 0), "io_destroy": (207, 1), "io_submit": (209, 2), "io_cancel": (210, 3),
    "io_getevents": (208, 4), "io_pgetevents": (333, 292),
    "rt_sigqueueinfo": (129, 138), "rt_tgsigqueueinfo": (297, 240), "setpriority": (141, 140),
    "sched_setparam": (142, 118), "sched_setscheduler": (144, 119), "sched_setaffinity": (203, 122),
    "sched_setattr": (314, 274), "ioprio_set": (251, 30), "process_mrelease": (448, 448),
    "memfd_create": (319, 279), "memfd_secret": (447, 447),
    "prlimit64": (302, 261), "fcntl": (72, 25), "ioctl": (16, 29),
}

_ARCHES = {  # machine -> (AUDIT_ARCH_*, syscall numbers by name)
    "x86_64": (0xC000003E, {name: pair[0] for name, pair in _NUMBERS.items()}),
    "aarch64": (0xC00000B7, {name: pair[1] for name, pair in _NUMBERS.items() if pair[1] is not None}),
}

IO_URING = ("io_uring_setup", "io_uring_enter", "io_uring_register")
DENY_GROUPS: dict[str, tuple[str, ...]] = {
    "processes": ("clone", "fork", "vfork", "clone3", "setsid", "setpgid"),
    "signals": ("kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_open",
                "pidfd_send_signal"),
    "network": ("socket", "socketpair", *IO_URING),
    # Linux AIO: one io_setup took the whole host's event budget (fs.aio-max-nr) for the run, so no other
    # process on the machine could start asynchronous I/O
    "asynchronous I/O": ("io_setup", "io_destroy", "io_submit", "io_cancel", "io_getevents", "io_pgetevents"),
    "other processes": ("ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
                        "process_madvise", "process_mrelease", "migrate_pages", "move_pages",
                        # scheduling of others (the fallback shares uid 65534 with every other sandbox)
                        "setpriority", "sched_setparam", "sched_setscheduler", "sched_setaffinity",
                        "sched_setattr", "ioprio_set"),
    "memory outside the address-space limit": ("memfd_create", "memfd_secret"),
    # without an IPC namespace (the fallback) these objects are the host's: a segment a plugin creates
    # and fills outlives the run (64 MiB per run, kept until reboot) and is seen by the next run
    "System V and POSIX IPC": ("shmget", "shmat", "shmctl", "shmdt", "semget", "semop", "semctl",
                               "semtimedop", "msgget", "msgsnd", "msgrcv", "msgctl", "mq_open", "mq_unlink",
                               "mq_timedsend", "mq_timedreceive", "mq_notify", "mq_getsetattr"),
    # Landlock does not cover a file's mode, owner, times or extended attributes (nor, before ABI 3,
    # truncate): in the fallback a plugin changed them on files outside its fence owned by its uid
    "file metadata": ("chmod", "fchmod", "fchmodat", "fchmodat2", "chown", "fchown", "lchown", "fchownat",
                      "utime", "utimes", "futimesat", "utimensat", "setxattr", "lsetxattr", "fsetxattr",
                      "removexattr", "lremovexattr", "fremovexattr", "setxattrat", "removexattrat",
                      "file_setattr", "truncate"),
    # nor watching: inotify reported the names of files created in host directories outside the fence
    "file-system watches": ("inotify_init", "inotify_init1", "inotify_add_watch"),
    "namespaces and mounts": ("mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "open_tree",
                              "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr"),
    "kernel surface": ("keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
                       "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
                       "open_by_handle_at", "name_to_handle_at", "fanotify_init", "lookup_dcookie",
                       "nfsservctl", "uselib", "_sysctl", "modify_ldt", "iopl", "ioperm", "personality"),
    "host settings": ("sethostname", "setdomainname", "reboot", "swapon", "swapoff", "acct",
                      "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "quotactl",
                      "quotactl_fd", "syslog", "vhangup"),
}
LAUNCH_DENY = tuple(name for group in DENY_GROUPS.values() for name in group)
# name -> (argument, values denied; None: any but 0). Allowed for the process itself, denied towards others.
GUARDS: dict[str, tuple[int, tuple[int, ...] | None]] = {
    "prlimit64": (0, None),                  # another process's limits (setrlimit on itself passes pid 0)
    "fcntl": (1, (8, 15)),                   # F_SETOWN, F_SETOWN_EX: SIGIO (or any F_SETSIG) to a chosen pid
    # FIOSETOWN, SIOCSPGRP (the same), TIOCSTI (typing into a tty); FS_IOC_SETFLAGS (and its 32-bit
    # form) and FS_IOC_FSSETXATTR: inode flags, metadata that Landlock does not cover either
    "ioctl": (1, (0x8901, 0x8902, 0x5412, 0x40086602, 0x40046602, 0x401C5820)),
}
LAUNCH_GUARDED = tuple(GUARDS)
LOCKDOWN_DENY = ("execve", "execveat")


_Insn = tuple[int, int | str, int | str, int | str]  # code, jt, jf, k: a jump target may be a label


def _assemble(program: list[_Insn | str]) -> bytes:
    """Resolve labels (plain strings in ``program``) into BPF's relative forward jumps."""
    where: dict[str, int] = {}
    insns: list[_Insn] = []
    for item in program:
        if isinstance(item, str):
            where[item] = len(insns)
        else:
            insns.append(item)

    def offset(target: int | str, at: int) -> int:
        return target if isinstance(target, int) else where[target] - at - 1

    return b"".join(struct.pack("=HBBI", code, offset(jt, i), offset(jf, i), offset(k, i))
                    for i, (code, jt, jf, k) in enumerate(insns))


def _guard(nr: int, arg: int, values: tuple[int, ...] | None, label: str) -> list[_Insn | str]:
    """Deny syscall ``nr`` when (the low 32 bits of) argument ``arg`` is one of ``values`` — or, when
    ``values`` is None, anything but 0 (a pid naming another process); allow it otherwise."""
    body: list[_Insn | str] = [(_JEQ_K, 0, label, nr), (_LD_W_ABS, 0, 0, 16 + 8 * arg)]
    if values is None:
        body.append((_JEQ_K, "allow", "eperm", 0))
    else:
        body += [(_JEQ_K, "eperm", 0, value) for value in values]
        body.append((_JA, 0, 0, "allow"))
    return [*body, label]


def build_filter(deny: tuple[str, ...], machine: str | None = None, *,
                 guarded: tuple[str, ...] = ()) -> bytes | None:
    """A BPF program denying ``deny`` with EPERM (``clone3`` with ENOSYS so libc falls back to ``clone``)
    and ``guarded`` (names in ``GUARDS``) with EPERM when their argument says so.

    Returns None on an architecture this module does not know. Names the architecture lacks (``fork``
    on aarch64) are skipped.
    """
    arch = _ARCHES.get(machine or platform.machine())
    if arch is None:
        return None
    audit_arch, table = arch
    program: list[_Insn | str] = [(_LD_W_ABS, 0, 0, 4),
                                  (_JEQ_K, 0, "kill", audit_arch),    # another architecture -> kill
                                  (_LD_W_ABS, 0, 0, 0),
                                  (_JGE_K, "kill", 0, 0x40000000)]    # another ABI (x32) -> kill
    for i, name in enumerate(n for n in dict.fromkeys(guarded) if n in table and n not in deny):
        program += _guard(table[name], *GUARDS[name], label=f"guard{i}")
    for name in dict.fromkeys(deny):
        if name in table:
            program.append((_JEQ_K, "enosys" if name == "clone3" else "eperm", 0, table[name]))
    program += ["allow", (_RET_K, 0, 0, _RET_ALLOW), "enosys", (_RET_K, 0, 0, _RET_ERRNO | errno.ENOSYS),
                "eperm", (_RET_K, 0, 0, _RET_ERRNO | errno.EPERM), "kill", (_RET_K, 0, 0, _RET_KILL_PROCESS)]
    return _assemble(program)


__all__ = ["DENY_GROUPS", "GUARDS", "IO_URING", "LAUNCH_DENY", "LAUNCH_GUARDED", "LOCKDOWN_DENY",
           "build_filter"]
