"""Hostile: kill_parent. Must be rejected and contained."""
import os
import signal


def run(inputs):
    outcome = []
    for pid in (os.getppid(), 1, -1, inputs["params"]["parent_pid"]):
        try:
            os.kill(pid, signal.SIGKILL)
            outcome.append("killed")
        except OSError as exc:
            outcome.append(str(exc))
    return {"result": outcome}
