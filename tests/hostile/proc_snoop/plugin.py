"""Hostile: proc_snoop. Must be rejected and contained."""
import os


def run(inputs):
    seen = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                seen[entry] = open("/proc/" + entry + "/cmdline", "rb").read().decode(errors="replace")
            except OSError:
                pass
    return {"result": seen}
