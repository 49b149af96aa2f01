"""The offline guard really blocks the network, and notebooks run under it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from no_network import NetworkBlockedError

TESTS = Path(__file__).resolve().parent


def test_guard_active_in_pytest() -> None:
    with pytest.raises(NetworkBlockedError):
        socket.create_connection(("93.184.216.34", 80), timeout=1)
    with pytest.raises(NetworkBlockedError):
        socket.getaddrinfo("pypi.org", 443)


def test_loopback_still_allowed() -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    client = socket.create_connection(server.getsockname(), timeout=1)
    client.close()
    server.close()


def test_guard_installed_in_notebook_kernels() -> None:
    """An IPython started as the Makefile starts nbval's kernels refuses the network."""
    code = (
        "import socket\n"
        "try:\n    socket.create_connection(('93.184.216.34', 80), timeout=1)\n"
        "except OSError as e:\n    print('BLOCKED', type(e).__name__)\n"
    )
    env = dict(os.environ, IPYTHONDIR=str(TESTS / "ipython"))
    out = subprocess.run(
        [sys.executable, "-m", "IPython", "--no-banner", "-c", code],
        capture_output=True, text=True, env=env, timeout=60,
    )
    assert "BLOCKED NetworkBlockedError" in out.stdout, out.stdout + out.stderr


def test_makefile_runs_notebooks_under_the_guard() -> None:
    makefile = (TESTS.parent / "Makefile").read_text()
    assert "IPYTHONDIR=tests/ipython" in makefile
