"""Run hostile cases one after another in this interpreter, for one backend.

Reads case ids on stdin, one a line, and answers each with one JSON line
``{"id", "outcome", "detail"}`` on the protocol pipe (the original stdout;
what the cases print goes to stderr). A watchdog thread reads this process's
resident memory every few milliseconds: past ``HOSTILE_RSS_LIMIT`` bytes it
reports the running case as a runaway and exits at once, before the machine
starts swapping. (An address-space limit, RLIMIT_AS, is not used: it counts
address space reserved rather than memory used, so a value safe for one
library's allocator can break another's; resident memory is what runs out.)

Run as ``python -m hostile.worker BACKEND`` from the tests folder.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from typing import Any

RUNAWAY_EXIT = 87  # the runner reads this status as a runaway
_lock = threading.Lock()
_current: list[str | None] = [None]


def _rss_bytes() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _watchdog(proto: Any, limit: int) -> None:
    while True:
        time.sleep(0.01)
        rss = _rss_bytes()
        if rss > limit:
            with _lock:
                proto.write(
                    json.dumps(
                        {
                            "id": _current[0],
                            "outcome": "runaway",
                            "detail": f"resident memory reached {rss / 2**30:.2f} GiB",
                        }
                    )
                    + "\n"
                )
                proto.flush()
            os._exit(RUNAWAY_EXIT)


def _run_one(case_id: str, backend: str, cases: dict) -> tuple[str, str]:
    import dotkit
    from hostile import spec
    from hostile.spec import judge

    c = cases.get(case_id)
    if c is None:
        return "crash", f"no case {case_id!r} in the table"
    spec._BACKEND[0] = backend
    try:
        with dotkit.use_backend(backend):
            value = c.call()
            if hasattr(value, "shape"):  # MLX is lazy: an error may wait for evaluation
                value = dotkit.to_numpy(value)
    except BaseException as exc:  # noqa: B036 - SystemExit from a CLI is an outcome too
        return judge(c, exc=exc)
    return judge(c, value=value)


def main(backend: str) -> None:
    proto = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)  # whatever a case prints must not corrupt the protocol
    sys.stdout = sys.stderr
    limit = int(os.environ.get("HOSTILE_RSS_LIMIT", str(3 * 2**30)))
    threading.Thread(target=_watchdog, args=(proto, limit), daemon=True).start()
    import matplotlib

    matplotlib.use("Agg")
    from hostile.spec import all_cases

    cases = all_cases()
    proto.write(json.dumps({"ready": True}) + "\n")
    proto.flush()
    for line in sys.stdin:
        case_id = line.strip()
        if not case_id:
            continue
        _current[0] = case_id
        outcome, detail = _run_one(case_id, backend, cases)
        import matplotlib.pyplot as plt

        plt.close("all")
        with _lock:
            proto.write(json.dumps({"id": case_id, "outcome": outcome, "detail": detail}) + "\n")
            proto.flush()


if __name__ == "__main__":
    main(sys.argv[1])
