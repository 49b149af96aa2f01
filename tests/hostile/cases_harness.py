"""Cases that test the runner itself: a crash, a hang and a runaway must each fail only their own case.

They live in the table (the worker finds cases by id) under the module ``harness``, which the
hostile test leaves out; ``tests/test_hostile.py`` runs them on purpose and checks each outcome.
"""

from __future__ import annotations

import ctypes
import os
import signal
import time

import numpy as np

from hostile.spec import Equals, case


def _segfault() -> None:
    ctypes.string_at(0)  # reads address 0: the process dies of SIGSEGV, as an MLX kernel crash would


def _grow() -> None:
    chunks = []
    while True:  # touch memory a little at a time, as a runaway op does, until the watchdog stops it
        chunks.append(np.ones(2**25))


case("harness.ok", lambda: 1 + 1, Equals(lambda: 2))
case("harness.crash", _segfault, Equals(lambda: 0))
case("harness.abort", lambda: os.kill(os.getpid(), signal.SIGABRT), Equals(lambda: 0))
case("harness.hang", lambda: time.sleep(60), Equals(lambda: 0), timeout=1.5)
case("harness.runaway", _grow, Equals(lambda: 0), timeout=60)
case("harness.memory-error", lambda: np.empty(2**62, dtype=np.uint8), Equals(lambda: 0))
case("harness.vague", lambda: int("x"), Equals(lambda: 0))
