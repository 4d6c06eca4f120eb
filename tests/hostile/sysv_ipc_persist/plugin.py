"""Hostile: sysv_ipc_persist. Without an IPC namespace (the rlimit fallback) a System V segment, message
queue or semaphore set, and a POSIX message queue, belong to the host: created and filled here they
outlive the run (the memory is kept until reboot) and the next run finds them by key. Must be rejected
and contained."""
import ctypes

libc = ctypes.CDLL(None, use_errno=True)
libc.shmat.restype = ctypes.c_void_p
SIZE = 8 << 20


def run(inputs):
    p = inputs["params"]
    key = p.get("ipc_key", 0x504C5547)
    got = {}
    shmid = libc.shmget(key, SIZE, 0o1666)  # IPC_CREAT | 0666
    got["shm"] = shmid
    if shmid >= 0:
        addr = libc.shmat(shmid, None, 0)
        if addr not in (None, ctypes.c_void_p(-1).value):
            ctypes.memset(addr, 0x41, SIZE)
            libc.shmdt(ctypes.c_void_p(addr))
    got["msg"] = libc.msgget(key, 0o1666)
    got["sem"] = libc.semget(key, 1, 0o1666)
    got["mq"] = libc.mq_open(p.get("mq_name", "/plugsmith-hostile").encode(), 0o102, 0o666, None)
    if not p:
        return {"result": "done"}
    return {"result": got}
