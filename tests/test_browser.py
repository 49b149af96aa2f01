"""JupyterLab in a real browser: chapters open as notebooks, run, and their widgets react.

Starts JupyterLab from this environment on a free localhost port with a random
token, serving a temporary copy of ``chapters/`` (so nothing the browser runs
or autosaves touches the repository), and drives headless Chromium through
Playwright. Chromium is the system's (Debian package ``chromium``); Playwright
never downloads a browser here. For chapter 1 and one more chapter it checks
that the ``.md`` file opens **as a notebook** (the Jupytext default-viewer
override installed by ``binder/postBuild``), runs every cell, finds no error
output, finds a rendered slider, moves it with the keyboard and sees the
widget's output change, and saves screenshots in the test's temporary folder.

Skipped, with the reason, when Playwright or Chromium is missing. Run alone
with ``make test-browser``. The kernels get ``IPYTHONDIR=tests/ipython``, so
the chapters run under the same no-network guard as nbval.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = ROOT / "chapters"
CHROMIUM = os.environ.get("DOTKIT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
FIRST = "01_dot_product"
# The second chapter: the first of these that exists (each has a slider widget).
SECOND_CHOICES = ["02_neurons", "06_value_functions", "03_convolution", "04_attention"]
RUN_ALL_TIMEOUT_S = 240

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
)
if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
    reason = f"Chromium not found at {CHROMIUM} (Debian: apt-get install chromium)"
    if os.environ.get("CI"):  # .ci/run installs it: in CI a missing browser is a failure
        pytest.fail(f"{reason}; .ci/run should have installed it", pytrace=False)
    pytest.skip(reason, allow_module_level=True)


def _chapters_to_test() -> list[str]:
    names = []
    if (CHAPTERS / f"{FIRST}.md").exists():
        names.append(FIRST)
    second = next((n for n in SECOND_CHOICES if (CHAPTERS / f"{n}.md").exists()), None)
    if second:
        names.append(second)
    return names


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory):
    """A JupyterLab server on 127.0.0.1: yields (base_url, token, served_dir)."""
    base = tmp_path_factory.mktemp("lab")
    served = base / "course"
    shutil.copytree(CHAPTERS, served / "chapters", ignore=shutil.ignore_patterns(".ipynb_*"))
    shutil.copy(ROOT / "jupytext.toml", served / "jupytext.toml")
    settings = base / "user-settings"
    # Render every cell (no windowing), so that what the page shows can be counted.
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text(json.dumps({"windowingMode": "none"}))
    # The "get notified about Jupyter news?" toast is off through the shipped
    # overrides.json (binder/overrides.json, installed by make venv), not here.
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(
        os.environ,
        JUPYTER_CONFIG_DIR=str(base / "config"),
        JUPYTER_RUNTIME_DIR=str(base / "runtime"),
        JUPYTERLAB_SETTINGS_DIR=str(settings),
        JUPYTERLAB_WORKSPACES_DIR=str(base / "workspaces"),
        IPYTHONDIR=str(ROOT / "tests" / "ipython"),
        DOTKIT_BACKEND=os.environ.get("DOTKIT_BACKEND", "numpy"),
        PYDEVD_DISABLE_FILE_VALIDATION="1",
    )
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={served}",
        "--ServerApp.allow_root=True", "--LabApp.expose_app_in_browser=True",
        # nothing that would reach the network: no news, update checks or extension index
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
        "--LabApp.extension_manager=readonly",
    ]  # fmt: skip
    log = (base / "jupyterlab.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=served)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                log.close()
                pytest.fail(f"JupyterLab did not start:\n{(base / 'jupyterlab.log').read_text()}")
            time.sleep(0.5)
    yield url, token, served
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


# JavaScript run in the page; `window.jupyterapp` exists thanks to expose_app_in_browser.
JS_PANEL_STATE = """async () => {
  const w = window.jupyterapp.shell.currentWidget;
  if (!w) return null;
  await w.context.ready;
  if (w.revealed) await w.revealed;
  const isNotebook = !!(w.content && w.content.model && w.content.model.cells);
  const out = {isNotebook, path: w.context ? w.context.path : null,
               // the viewer JupyterLab picks for this file when opened by default
               factory: w.context ? window.jupyterapp.docRegistry
                                      .defaultWidgetFactory(w.context.path).name : null,
               widgetClass: w.node.className, cells: 0, codeCells: 0};
  if (isNotebook) {
    const cells = w.content.model.cells;
    out.cells = cells.length;
    for (let i = 0; i < cells.length; i++) if (cells.get(i).type === 'code') out.codeCells++;
  }
  return out;
}"""

JS_RUN_ALL = """async () => {
  const w = window.jupyterapp.shell.currentWidget;
  await w.sessionContext.ready;
  const ok = await window.jupyterapp.commands.execute('notebook:run-all-cells');
  const cells = w.content.model.cells;
  const res = {ok, executed: 0, notExecuted: [], errors: [], stderr: 0, widgetViews: 0};
  for (let i = 0; i < cells.length; i++) {
    const c = cells.get(i);
    if (c.type !== 'code') continue;
    if (c.executionCount) res.executed++; else res.notExecuted.push(i);
    for (let j = 0; j < c.outputs.length; j++) {
      const o = c.outputs.get(j).toJSON();
      if (o.output_type === 'error') res.errors.push(`cell ${i}: ${o.ename}: ${o.evalue}`);
      if (o.output_type === 'stream' && o.name === 'stderr') res.stderr++;
      if (o.data && o.data['application/vnd.jupyter.widget-view+json']) res.widgetViews++;
    }
  }
  return res;
}"""

JS_WIDGET_SNAPSHOT = """(area) => {
  const imgs = [...area.querySelectorAll('img')].map(i => i.src).join('|');
  const texts = [...area.querySelectorAll('.widget-html-content, .widget-output, .jp-OutputArea-output pre, svg text')]
     .map(e => e.textContent).join('|');
  return imgs + '#' + texts;
}"""


@pytest.mark.slow
@pytest.mark.parametrize("chapter", _chapters_to_test())
def test_chapter_in_jupyterlab(chapter, lab, browser, tmp_path):
    url, token, _served = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console_errors: list[str] = []
    page.on("pageerror", lambda exc: console_errors.append(str(exc)))
    try:
        page.goto(f"{url}/lab/tree/chapters/{chapter}.md?reset&token={token}")
        page.wait_for_function(
            "() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
            " && window.jupyterapp.shell.currentWidget.context",
            timeout=90_000,
        )
        state = page.evaluate(JS_PANEL_STATE)
        # Opened as a notebook through Jupytext, not in the text editor.
        assert state["path"] == f"chapters/{chapter}.md"
        assert state["isNotebook"], f"{chapter}.md opened as {state['factory']}, not a notebook"
        assert state["factory"] == "Jupytext Notebook"
        page.locator(".jp-NotebookPanel .jp-Notebook").first.wait_for(timeout=30_000)
        assert state["cells"] > 1
        # every cell of the model is rendered in the page
        page.wait_for_function(
            "n => document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden)"
            " .jp-Notebook .jp-Cell').length === n",
            arg=state["cells"],
            timeout=60_000,
        )
        dom_cells = page.locator(".jp-NotebookPanel:visible .jp-Notebook .jp-Cell").count()
        assert dom_cells == state["cells"]

        page.wait_for_timeout(1000)  # the news prompt, where it is not switched off, shows by now
        assert page.get_by_text("official Jupyter news").count() == 0, "the Jupyter news prompt shows"

        result = page.evaluate(JS_RUN_ALL)
        assert result["ok"] is not False
        assert result["errors"] == [], result["errors"]
        assert result["notExecuted"] == [], f"cells not executed: {result['notExecuted']}"
        assert result["executed"] == state["codeCells"]
        nb = page.locator(".jp-NotebookPanel:visible")
        assert nb.locator("[data-mime-type='application/vnd.jupyter.error']").count() == 0
        assert nb.locator(".jp-OutputArea-output:has-text('Traceback')").count() == 0

        sliders = nb.locator(".widget-slider")
        sliders.first.wait_for(state="visible", timeout=60_000)
        n_sliders, n_widgets = sliders.count(), nb.locator(".jupyter-widgets.widget-box").count()
        n_views = nb.locator(".jp-OutputArea-output .jupyter-widgets").count()
        slider = sliders.first
        slider.scroll_into_view_if_needed()
        area = slider.locator("xpath=ancestor::div[contains(@class,'jp-OutputArea-output')][1]")
        readout = slider.locator(".widget-readout")
        before_value, before_view = readout.inner_text(), area.evaluate(JS_WIDGET_SNAPSHOT)
        page.screenshot(path=str(tmp_path / f"{chapter}-before.png"))

        handle = slider.locator(".noUi-handle").first
        handle.focus()
        for _ in range(5):
            handle.press("ArrowRight")
        page.wait_for_function(
            "([el, v]) => el.textContent !== v",
            arg=[readout.element_handle(), before_value],
            timeout=15_000,
        )
        page.wait_for_function(
            f"([area, s]) => ({JS_WIDGET_SNAPSHOT})(area) !== s",
            arg=[area.element_handle(), before_view],
            timeout=30_000,
        )
        after_value = readout.inner_text()
        page.wait_for_timeout(500)  # let the new image paint before the screenshot
        page.screenshot(path=str(tmp_path / f"{chapter}.png"))
        area.screenshot(path=str(tmp_path / f"{chapter}-widget.png"))
        assert console_errors == [], console_errors
        print(
            f"\n{chapter}: opened as {state['factory']}; {state['cells']} cells "
            f"({state['codeCells']} code, {dom_cells} in the page), all executed, 0 errors, "
            f"{result['stderr']} stderr outputs; {result['widgetViews']} widget outputs, "
            f"{n_views} widget views and {n_widgets} widget boxes rendered, {n_sliders} sliders; "
            f"slider moved {before_value} -> {after_value} and the widget's output changed; "
            f"screenshots: {tmp_path / (chapter + '.png')} (+ -before, -widget)"
        )
    finally:
        page.close()


JS_BOOK_PICTURES = """() => {
  const imgs = [...document.querySelectorAll('.cell_output img')];
  return {images: imgs.length, drawn: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
          widgetScripts: document.querySelectorAll('script[type="application/vnd.jupyter.widget-view+json"]').length};
}"""


@pytest.mark.slow
def test_book_page_shows_the_widget_picture(book, browser, tmp_path):
    """A book page with an explorer shows its stored picture where the widget stands."""
    page_path = book / "chapters" / f"{FIRST}.html"
    if not page_path.is_file():
        pytest.skip(f"no {FIRST} page")
    nb = json.loads((CHAPTERS / f"{FIRST}.ipynb").read_text())
    widget_cells = [c for c in nb["cells"] for o in c.get("outputs", [])
                    if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert widget_cells, f"{FIRST} has no explorer"
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:
        page.goto(page_path.as_uri())
        page.wait_for_load_state("load")
        found = page.evaluate(JS_BOOK_PICTURES)
        assert found["widgetScripts"] == 0, "an empty widget view is on the book page"
        assert found["images"] > 0 and found["drawn"] == found["images"], found
        # the explorer's cell: its source ends with the explorer, its output is the picture
        cell = page.locator(".cell:has(.cell_output img)").filter(has_text="explorer").first
        cell.scroll_into_view_if_needed()
        shot = tmp_path / f"book-{FIRST}-widget.png"
        cell.screenshot(path=str(shot))
        box = cell.locator(".cell_output img").first.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 150, box
        print(f"\nbook page {page_path.name}: {found['images']} pictures drawn, no widget script; "
              f"explorer picture {box['width']:.0f}x{box['height']:.0f} px; screenshot {shot}")
    finally:
        page.close()
