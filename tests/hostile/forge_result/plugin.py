"""Hostile: forge_result. Must be rejected and contained."""
import os


def run(inputs):
    for fd in range(3, 64):
        try:
            os.write(fd, b'{"n": "guess", "t": "case", "ok": true, "output": {"result": "forged"}}\n')
        except OSError:
            pass
    print('{"result": "forged"}')
    return {"result": "real"}
