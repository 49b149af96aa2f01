"""Drive one worker per backend through the hostile table; a dead or stuck worker is replaced.

Cases run in sequence inside a long-lived child interpreter (starting one per
case would take minutes), with a per-case time limit and two memory limits:
``DOTKIT_MEMORY_LIMIT`` (so dotkit's own size guards refuse at a size this
machine holds easily) and the worker's resident-memory watchdog. A case that
kills its worker is recorded as a crash, one that outlives its limit as a
hang; the worker is then restarted for the next case. Backends run side by
side, one worker each.

``python -m hostile.runner [--backend NAME] [--verbose]`` (from tests/) runs
the whole table and prints outcome counts per module and backend.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import selectors
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
GUARD_LIMIT = "1GiB"  # dotkit's size guards refuse above this
RSS_LIMIT = 2 * 2**30  # the watchdog stops a worker whose memory passes this
START_TIMEOUT = 180.0
RUNAWAY_EXIT = 87  # the worker's exit status when its memory watchdog fires


@dataclass
class Result:
    case_id: str
    backend: str
    outcome: str
    detail: str
    seconds: float


class Worker:
    """One child interpreter running cases for ``backend``."""

    def __init__(self, backend: str) -> None:
        env = dict(os.environ)
        env.update(
            PYTHONPATH=str(HERE.parent) + os.pathsep + env.get("PYTHONPATH", ""),
            DOTKIT_MEMORY_LIMIT=GUARD_LIMIT,
            HOSTILE_RSS_LIMIT=str(RSS_LIMIT),
            DOTKIT_PROGRESS="0",
            MPLBACKEND="Agg",
            OMP_NUM_THREADS="1",
            OPENBLAS_NUM_THREADS="1",
            PYTHONFAULTHANDLER="1",
        )
        env.pop("DOTKIT_BACKEND", None)
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hostile.worker", backend],
            cwd=HERE.parent,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log,
            env=env,
            text=True,
            bufsize=1,
            start_new_session=True,
        )
        self.sel = selectors.DefaultSelector()
        self.sel.register(self.proc.stdout, selectors.EVENT_READ)
        ready = self.read(START_TIMEOUT)
        if ready is None or not ready.get("ready"):
            raise RuntimeError(f"the hostile worker for {backend} did not start: {self.tail()}")

    def read(self, timeout: float) -> dict | None:
        """The next protocol line; None on timeout; ``{"eof": True}`` when the worker died."""
        if not self.sel.select(timeout):
            return None
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {"eof": True}

    def tail(self) -> str:
        self.log.seek(0)
        return self.log.read()[-600:].decode(errors="replace").strip().replace("\n", " | ")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.log.close()


def _death(worker: Worker) -> tuple[str, str]:
    worker.proc.wait()
    code = worker.proc.returncode
    if code == RUNAWAY_EXIT:  # the watchdog stopped it; its report was lost with the pipe
        return "runaway", "the memory watchdog stopped the worker"
    how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
    return "crash", f"the worker died ({how}): {worker.tail()[-300:]}"


def run_backend(backend: str, ids: list[str], timeouts: dict[str, float]) -> list[Result]:
    """Run ``ids`` on ``backend`` in sequence, replacing the worker after a crash or hang."""
    out: list[Result] = []
    worker: Worker | None = None
    for case_id in ids:
        worker = worker or Worker(backend)
        start = time.monotonic()
        worker.proc.stdin.write(case_id + "\n")
        worker.proc.stdin.flush()
        reply = worker.read(timeouts.get(case_id, 20.0))
        seconds = time.monotonic() - start
        if reply is not None and not reply.get("eof"):
            out.append(Result(case_id, backend, reply["outcome"], reply["detail"], seconds))
            if reply["outcome"] == "runaway":  # the watchdog has ended the worker
                worker.stop()
                worker = None
            continue
        if reply is None:
            outcome, detail = "hang", f"still running after {seconds:.0f} s"
        else:
            outcome, detail = _death(worker)
        out.append(Result(case_id, backend, outcome, detail, seconds))
        worker.stop()
        worker = None
    if worker is not None:
        worker.stop()
    return out


def run(pairs: list[tuple[str, str]]) -> dict[tuple[str, str], Result]:
    """Run each ``(case_id, backend)``: one worker per backend, the backends side by side."""
    from hostile.spec import all_cases

    cases = all_cases()
    timeouts = {cid: c.timeout for cid, c in cases.items()}
    by_backend: dict[str, list[str]] = collections.defaultdict(list)
    for cid, bk in pairs:
        by_backend[bk].append(cid)
    results: dict[tuple[str, str], Result] = {}
    errors: list[BaseException] = []

    def go(bk: str, ids: list[str]) -> None:
        try:
            for r in run_backend(bk, ids, timeouts):
                results[(r.case_id, r.backend)] = r
        except BaseException as exc:  # noqa: B036 - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=go, args=item) for item in by_backend.items()]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results


def pairs_for(backends: list[str]) -> list[tuple[str, str]]:
    """Every case of the table on each of ``backends`` it applies to."""
    from hostile.spec import all_cases

    return [
        (cid, bk)
        for cid, c in all_cases().items()
        for bk in backends
        if c.module != "harness" and (c.backends is None or bk in c.backends)
    ]


def summary(results: dict[tuple[str, str], Result]) -> str:
    """Outcome counts per module and backend, and in all per backend."""
    from hostile.spec import OUTCOMES, all_cases

    cases = all_cases()
    per_module: dict[tuple[str, str], collections.Counter] = collections.defaultdict(collections.Counter)
    results = {key: r for key, r in results.items() if cases[key[0]].module != "harness"}
    for (cid, bk), r in results.items():
        per_module[(cases[cid].module, bk)][r.outcome] += 1
    lines = [f"{'module':<10} {'backend':<7} {'cases':>5} " + " ".join(f"{o:>12}" for o in OUTCOMES)]
    total: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for (mod, bk), counts in sorted(per_module.items()):
        total[bk].update(counts)
        lines.append(f"{mod:<10} {bk:<7} {sum(counts.values()):>5} " + " ".join(f"{counts[o]:>12}" for o in OUTCOMES))
    for bk, counts in sorted(total.items()):
        lines.append(
            f"{'TOTAL':<10} {bk:<7} {sum(counts.values()):>5} " + " ".join(f"{counts[o]:>12}" for o in OUTCOMES)
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    import dotkit

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", action="append", help="backend(s) to run (default: every installed one)")
    p.add_argument("--only", help="run only case ids starting with this")
    p.add_argument("--verbose", action="store_true", help="print every case that is not ok")
    p.add_argument("--json", help="also write every result to this file")
    args = p.parse_args(argv)
    pairs = pairs_for(args.backend or dotkit.available_backends())
    if args.only:
        pairs = [pc for pc in pairs if pc[0].startswith(args.only)]
    start = time.monotonic()
    results = run(pairs)
    if args.verbose:
        for (cid, bk), r in sorted(results.items()):
            if r.outcome != "ok":
                print(f"{r.outcome:<12} {bk:<5} {cid}: {r.detail}")
    if args.json:
        rows = [vars(r) for r in results.values()]
        Path(args.json).write_text(json.dumps(rows, indent=1))
    print(summary(results))
    if args.verbose:
        slow = sorted(results.values(), key=lambda r: -r.seconds)[:8]
        print("slowest: " + ", ".join(f"{r.case_id} [{r.backend}] {r.seconds:.1f} s" for r in slow))
    print(f"{len(results)} runs in {time.monotonic() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
