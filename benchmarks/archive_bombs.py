"""How fast, and in how much memory, ``unpack`` refuses archive bombs hidden in tar *headers*.

The cases of issue #11: one PAX header holding a 1 GiB record (about 1 MiB uploaded), 200,000 ``.``
entries (about 447 KB uploaded), and 3,000 chained PAX headers. Each is refused in a fresh process, so
the peak RSS printed is that process's own (Python and plugsmith imported: the floor is ~40 MB).
Before the header bounds the first took the server to 3.2 GB for 31 s and the second 10 s of CPU.
``PLUGSMITH_BENCH_SMOKE=1`` uses a 64 MiB record and 20,000 entries.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE.parent / "tests"))

from archive_bombs import dot_flood, pax_bomb, pax_chain  # noqa: E402

SMOKE = os.environ.get("PLUGSMITH_BENCH_SMOKE") == "1"
CHILD = """
import json, resource, sys, time
from pathlib import Path
from plugsmith.errors import ArchiveError
from plugsmith.hub import unpack
data = Path(sys.argv[1]).read_bytes()
start = time.perf_counter()
try:
    unpack(data, Path(sys.argv[2]))
    outcome = "ACCEPTED"
except ArchiveError as exc:
    outcome = exc.message
elapsed = time.perf_counter() - start
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak_mb": peak_kb / 1024, "outcome": outcome}))
"""


def refuse(name: str, data: bytes) -> dict[str, object]:
    """Unpack ``data`` in a fresh interpreter; its time, peak RSS and the refusal message."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "bomb.tar.gz"
        archive.write_bytes(data)
        done = subprocess.run([sys.executable, "-c", CHILD, str(archive), str(Path(tmp) / "out")],
                              capture_output=True, text=True, timeout=600, check=True)
    result: dict[str, object] = json.loads(done.stdout)
    print(f"{name:34} upload {len(data) / 1024:8.0f} KiB  refused in {result['seconds']:.3f} s  "
          f"peak RSS {result['peak_mb']:.0f} MB  ({result['outcome']})", flush=True)
    return result


def main() -> int:
    record = (64 << 20) if SMOKE else (1 << 30)
    dots = 20_000 if SMOKE else 200_000
    cases = [
        (f"PAX record of {record >> 20} MiB", lambda: pax_bomb(record)),
        (f"{dots:,} '.' entries", lambda: dot_flood(dots)),
        ("3,000 chained PAX headers", lambda: pax_chain(3_000)),
    ]
    failed = False
    for name, build in cases:
        started = time.perf_counter()
        data = build()
        print(f"  (built {name} in {time.perf_counter() - started:.1f} s)", flush=True)
        result = refuse(name, data)
        failed |= result["outcome"] == "ACCEPTED"
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
