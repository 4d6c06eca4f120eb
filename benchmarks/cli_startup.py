"""How fast does `plugsmith --help` start? Target: under 0.3 s on the 2-core reference machine."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time


def main() -> None:
    runs = 3 if os.environ.get("PLUGSMITH_BENCH_SMOKE") else 10
    cmd = [sys.executable, "-m", "plugsmith", "--help"]
    subprocess.run(cmd, capture_output=True, check=True)  # warm the file cache
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True)
        times.append(time.perf_counter() - start)
    print(f"plugsmith --help: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms over {runs} runs (target < 300 ms)")


if __name__ == "__main__":
    main()
