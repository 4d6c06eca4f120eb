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

import json
import os
import sys
import time
from collections.abc import Callable


def _make_sender(fd: int, nonce: str, budget: int) -> Callable[..., bool]:
    """A closure that frames and writes messages; the fd, nonce and budget are reachable only from it."""
    state = {"left": budget}

    def send(kind: str, raw_output: str | None = None, **fields: object) -> bool:
        fields["n"] = nonce
        fields["t"] = kind
        text = json.dumps(fields, separators=(",", ":"))
        if raw_output is not None:
            text = text[:-1] + ',"output":' + raw_output + "}"
        data = (text + "\n").encode("utf-8")
        if len(data) > state["left"]:
            data = (json.dumps({"n": nonce, "t": "limit", "reason": "output_too_large"}) + "\n").encode()
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


def _lockdown(program: str | None) -> None:
    """Apply the lockdown seccomp filter (no execve) to this process, if one was given."""
    if not program:
        return
    import base64
    import ctypes

    raw = base64.b64decode(program)
    libc = ctypes.CDLL(None, use_errno=True)

    class _Prog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_char_p)]

    buf = ctypes.create_string_buffer(raw, len(raw))
    prog = _Prog(len(raw) // 8, ctypes.cast(buf, ctypes.c_char_p))
    libc.prctl(38, 1, 0, 0, 0)  # PR_SET_NO_NEW_PRIVS
    if libc.prctl(22, 2, ctypes.byref(prog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "seccomp lockdown failed")


def _one_line(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".strip().splitlines()
    return (text[0] if text else type(exc).__name__)[:500]


def _load(path: str) -> Callable[[dict[str, object]], object]:
    import importlib.util

    spec = importlib.util.spec_from_file_location("plugin", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["plugin"] = module
    spec.loader.exec_module(module)
    run = getattr(module, "run", None)
    if not callable(run):
        raise AttributeError("plugin.py does not define run(inputs)")
    return run  # type: ignore[no-any-return]


def _encode(output: object) -> tuple[str | None, str | None]:
    if not isinstance(output, dict):
        return None, f"run() must return a dict, got {type(output).__name__}"
    try:
        return json.dumps(output, allow_nan=False, separators=(",", ":")), None
    except (TypeError, ValueError, RecursionError) as exc:
        return None, f"output is not JSON-serialisable: {exc}"


def _run_cases(run: Callable[[dict[str, object]], object], inputs: list[dict[str, object]],
               send: Callable[..., bool]) -> None:
    import traceback

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
    header = json.loads(sys.stdin.buffer.readline())
    inputs = json.loads(sys.stdin.buffer.read())
    sys.stdin.close()
    channel = os.dup(header["fd"])
    os.close(header["fd"])
    send = _make_sender(channel, header["nonce"], header["budget"])
    del header["nonce"]
    send("hello")
    try:
        _lockdown(header.get("lockdown"))
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
