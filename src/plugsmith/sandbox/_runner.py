"""The runner: the only code plugsmith puts inside the sandbox next to the plugin.

It runs as ``python -I -S -c <this file's source>`` with the standard library only. On stdin it gets one
header line (JSON: nonce, channel fd, plugin path, output budget, lockdown filter) and then a JSON list of
inputs. It reads everything before any plugin code exists, hides the result channel (dups the fd and
closes the original; the nonce lives only in a closure), locks itself down (no ``execve``), imports
``plugin.py`` and calls ``run()`` on each input. Results go out on the channel as newline-delimited JSON,
each message carrying the nonce, so a plugin's ``print()`` (captured separately) cannot forge one.

Messages: ``hello``; ``load_error``; one ``case`` per input (``ok`` with ``output``, or ``error``);
``limit`` (``memory`` / ``output_too_large``) when the batch had to stop; ``done``.
"""

from __future__ import annotations

import os
import sys
import time

MYPY = False
if MYPY:  # type-only import: collections.abc would cost start-up time (mypy treats MYPY as true)
    from collections.abc import Callable


def _codec() -> tuple[Callable[[str], object], Callable[[object], str]]:
    """(loads, dumps) straight on CPython's C accelerator.

    ``import json`` pulls in re, enum, functools and collections — most of the runner's start-up time.
    The C scanner and encoder behave exactly like json's (strict, no NaN/Infinity, compact separators);
    if they are unavailable or behave unexpectedly, the json module is used instead.
    """
    try:
        import _json

        class _Context:
            strict = True
            object_hook = None
            object_pairs_hook = None
            parse_float = float
            parse_int = int

            @staticmethod
            def parse_constant(name: str) -> object:
                raise ValueError(f"{name} is not valid JSON")

        scan = _json.make_scanner(_Context)  # type: ignore[arg-type]

        def loads(text: str) -> object:
            text = text.strip()
            value, end = scan(text, 0)
            if end != len(text):
                raise ValueError("extra data after the JSON value")
            return value

        def _default(value: object) -> object:
            raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")

        encode = _json.make_encoder({}, _default, _json.encode_basestring_ascii, None, ":", ",", False, False,
                                    False)

        def dumps(value: object) -> str:
            return "".join(encode(value, 0))

        probe = {"a": [1, 2.5, None, True, "\u00e9\n"], "b": {}}
        if loads(dumps(probe)) != probe:
            raise ValueError("C codec mismatch")
        return loads, dumps
    except Exception:  # any surprise: the slower, public json module
        import json

        return json.loads, lambda value: json.dumps(value, allow_nan=False, separators=(",", ":"))


_loads, _dumps = _codec()


def _make_sender(fd: int, nonce: str, budget: int) -> Callable[..., bool]:
    """A closure that frames and writes messages; the fd, nonce and budget are reachable only from it."""
    state = {"left": budget}

    def send(kind: str, raw_output: str | None = None, **fields: object) -> bool:
        fields["n"] = nonce
        fields["t"] = kind
        text = _dumps(fields)
        if raw_output is not None:
            text = text[:-1] + ',"output":' + raw_output + "}"
        data = (text + "\n").encode("utf-8")
        if len(data) > state["left"]:
            data = (_dumps({"n": nonce, "t": "limit", "reason": "output_too_large"}) + "\n").encode()
            state["left"] = 0
            _write(fd, data)
            return False
        state["left"] -= len(data)
        _write(fd, data)
        return True

    return send


def _write(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _lockdown(program: str | None, landlock: dict[str, list[str]] | None) -> None:
    """Apply the lockdown seccomp filter (no execve) and, if asked, a Landlock file-system fence."""
    if not program and not landlock:
        return
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    if landlock:
        _landlock(libc, landlock)
    if program:
        raw = bytes.fromhex(program)

        class _Prog(ctypes.Structure):
            _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

        buf = ctypes.create_string_buffer(raw, len(raw))
        prog = _Prog(len(raw) // 8, ctypes.cast(buf, ctypes.c_char_p))
        if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
            raise OSError(ctypes.get_errno(), "seccomp lockdown failed")


def _landlock(libc: object, fence: dict[str, list[str]]) -> None:
    """Landlock: read-only access beneath ``ro`` paths, full access beneath ``rw``, nothing elsewhere.

    From ABI 4 the ruleset also handles TCP bind and connect with no port allowed (no network even if a
    socket were obtained), from ABI 6 it scopes abstract Unix sockets and signals to the sandbox itself.
    Used by the fallback backend, which has no private mount or network namespace. Skipped on kernels
    without Landlock (the fallback's probe then reports the fence missing).
    """
    import ctypes
    import struct

    syscall = libc.syscall  # type: ignore[attr-defined]
    syscall.restype = ctypes.c_long
    abi = syscall(444, None, ctypes.c_size_t(0), ctypes.c_uint32(1))  # LANDLOCK_CREATE_RULESET_VERSION
    if abi < 1:
        return
    handled = ((1 << 13) - 1 | ((1 << 13) if abi >= 2 else 0) | ((1 << 14) if abi >= 3 else 0)
               | ((1 << 15) if abi >= 5 else 0))
    read = 1 | 4 | 8  # execute, read file, read dir
    fields = [handled] + ([3] if abi >= 4 else []) + ([3] if abi >= 6 else [])  # net: bind+connect TCP
    raw = struct.pack(f"={len(fields)}Q", *fields)
    attr = ctypes.create_string_buffer(raw, len(raw))
    ruleset = syscall(444, attr, ctypes.c_size_t(len(raw)), ctypes.c_uint32(0))
    if ruleset < 0:  # not enforced: the fallback's probe sees the missing fence and says so
        return
    file_rights = 1 | 2 | 4 | (1 << 14) | (1 << 15)  # execute, write, read, truncate, ioctl_dev
    for access, paths in ((read, fence.get("ro", [])), (handled, fence.get("rw", []))):
        for path in paths:
            try:
                fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            allowed = access if os.path.isdir(path) else access & file_rights & handled
            rule = ctypes.create_string_buffer(struct.pack("=Qi", allowed, fd), 12)
            syscall(445, ctypes.c_int(ruleset), ctypes.c_int(1), rule, ctypes.c_uint32(0))
            os.close(fd)
    if syscall(446, ctypes.c_int(ruleset), ctypes.c_uint32(0)) != 0:
        raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    os.close(ruleset)


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:500]


def _load(path: str) -> Callable[[dict[str, object]], object]:
    """Execute plugin.py as the module ``plugin`` (no importlib needed: start-up time matters)."""
    with open(path, encoding="utf-8") as handle:
        source = handle.read()
    module = type(sys)("plugin")
    module.__file__ = path
    sys.modules["plugin"] = module
    exec(compile(source, path, "exec"), module.__dict__)  # this IS the sandboxed plugin code
    run = module.__dict__.get("run")
    if not callable(run):
        raise AttributeError("plugin.py does not define run(inputs)")
    return run  # type: ignore[no-any-return]


def _encode(output: object) -> tuple[str | None, str | None]:
    if not isinstance(output, dict):
        return None, f"run() must return a dict, got {type(output).__name__}"
    try:
        return _dumps(output), None
    except (TypeError, ValueError, RecursionError) as exc:
        return None, f"output is not JSON-serialisable: {exc}"


def _run_cases(run: Callable[[dict[str, object]], object], inputs: list[dict[str, object]],
               send: Callable[..., bool]) -> None:
    for item in inputs:
        start = time.perf_counter()
        try:
            output = run(item)
            raw, error = _encode(output)
        except MemoryError:
            send("case", ok=False, error="MemoryError: out of memory", ms=_ms(start))
            send("limit", reason="memory")
            return
        except BaseException as exc:  # the plugin's failure is the case's result
            import traceback  # only now: importing it costs start-up time

            traceback.print_exc(limit=-3)
            raw, error = None, _one_line(exc)
        if error is not None:
            if not send("case", ok=False, error=error, ms=_ms(start)):
                return
        elif not send("case", raw_output=raw, ok=True, ms=_ms(start)):
            return
    send("done")


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 3)


def _main() -> None:
    header = _loads(sys.stdin.buffer.readline().decode("utf-8"))
    inputs = _loads(sys.stdin.buffer.read().decode("utf-8"))
    assert isinstance(header, dict) and isinstance(inputs, list), "malformed runner payload"
    sys.stdin.close()
    channel = os.dup(header["fd"])
    os.close(header["fd"])
    send = _make_sender(channel, header["nonce"], header["budget"])
    del header["nonce"]
    send("hello")
    try:
        _lockdown(header.get("lockdown"), header.get("landlock"))
        run = _load(header["plugin"])
    except MemoryError:
        send("limit", reason="memory")
        return
    except BaseException as exc:  # any failure to load is reported, never raised
        send("load_error", error=_one_line(exc))
        return
    _run_cases(run, inputs, send)


if __name__ == "__main__":
    _status = 0
    try:
        _main()
    except BaseException:  # a broken header or channel: say so on stderr, exit non-zero
        import traceback

        traceback.print_exc()
        _status = 1
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(_status)
