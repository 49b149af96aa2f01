# Runs in every notebook kernel started with IPYTHONDIR=tests/ipython (see Makefile):
# chapters under test may not reach the network.
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[3]))
import no_network  # noqa: E402

no_network.install()
del pathlib, sys, no_network
