"""Build the static HTML book: ``python book/build.py [OUTDIR]`` (``make book``).

Stages ``book/_config.yml``, ``book/intro.md``, every executed chapter
(``chapters/*.ipynb``, outputs as stored) and its solutions page
(``chapters/solutions/*.ipynb``, a part of its own) in ``OUTDIR/src``, writes the
table of contents from the pages that exist, and runs Jupyter Book 1.x (Sphinx)
on it. A widget shows the picture stored with it. Offline: nothing is executed or downloaded. The site lands in
``OUTDIR/html`` (default ``build/book``); ``index.html`` opens it.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"


def chapters(folder: Path = ROOT / "chapters") -> list[Path]:
    """The executed chapters, in course order (numbered chapters, then appendices)."""
    return sorted(folder.glob("*.ipynb"), key=lambda p: (not p.name[0].isdigit(), p.name))


def solutions() -> list[Path]:
    """The executed solutions pages, one per chapter, in the same order."""
    return chapters(ROOT / "chapters" / "solutions")


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def without_live_widgets(nb: dict) -> dict:
    """The notebook as a page with no kernel shows it: each widget's stored picture, never an empty view.

    An explorer stores its first frame as ``image/png`` beside the widget view;
    the view is dropped (a page without a kernel cannot draw it), and an output
    that was only a widget (a progress bar) goes with it.
    """
    for cell in nb.get("cells", []):
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if WIDGET_VIEW in data:
                if "image/png" not in data:
                    continue
                out["data"] = {k: v for k, v in data.items() if k not in (WIDGET_VIEW, "text/plain")}
            kept.append(out)
        if "outputs" in cell:
            cell["outputs"] = kept
    nb.get("metadata", {}).pop("widgets", None)
    return nb


def copy_page(nb: Path, dest: Path) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(json.dumps(without_live_widgets(json.loads(nb.read_text())), indent=1))


# MathJax 3, from the `django-static-mathjax` wheel (plain static files, no Django
# needed): the book shows its formulas without fetching MathJax from a CDN.
MATHJAX_PARTS = (
    "tex-mml-chtml.js",
    "input/tex/extensions",
    "output/chtml/fonts/woff-v2",
    "ui",
    "a11y",
    "adaptors",
)


def local_mathjax(extra: Path) -> str | None:
    """Copy MathJax into ``extra/mathjax``; its path for Sphinx, or None if not installed.

    ``extra`` is an ``html_extra_path`` (copied as is to the site's root), not
    ``_static``: Jupyter Book would add every script in ``_static`` to each page.
    """
    try:
        from importlib.resources import files

        es5 = Path(str(files("mathjax") / "static" / "mathjax" / "es5"))
    except (ImportError, TypeError):
        return None
    if not (es5 / "tex-mml-chtml.js").is_file():
        return None
    for part in MATHJAX_PARTS:
        src, dst = es5 / part, extra / "mathjax" / part
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst)
        elif src.is_file():
            shutil.copy(src, dst)
    return "../mathjax/tex-mml-chtml.js"  # Sphinx resolves it from _static/


def stage(out: Path) -> Path:
    src = out / "src"
    if src.exists():
        shutil.rmtree(src)
    (src / "chapters").mkdir(parents=True)
    shutil.copy(BOOK / "intro.md", src / "intro.md")
    import yaml  # a Jupyter Book dependency

    config = yaml.safe_load((BOOK / "_config.yml").read_text())
    mathjax = local_mathjax(src / "_extra")
    if mathjax:
        sphinx = config.setdefault("sphinx", {}).setdefault("config", {})
        sphinx["mathjax_path"] = mathjax
        sphinx["html_extra_path"] = ["_extra"]
    else:
        print("book: MathJax is not installed locally; pages load it from a CDN when viewed")
    (src / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    toc = [
        "# Written by book/build.py from chapters/*.ipynb",
        "format: jb-book",
        "root: intro",
        "parts:",
        "  - caption: Chapters",
        "    chapters:",
    ]
    for nb in chapters():
        copy_page(nb, src / "chapters" / nb.name)
        toc.append(f"      - file: chapters/{nb.stem}")
    if solutions():
        toc += ["  - caption: Solutions to the exercises", "    chapters:"]
    for nb in solutions():
        copy_page(nb, src / "chapters" / "solutions" / nb.name)
        toc.append(f"      - file: chapters/solutions/{nb.stem}")
    (src / "_toc.yml").write_text("\n".join(toc) + "\n")
    return src


def build(out: Path) -> Path:
    """Build the book under ``out``; return the HTML directory."""
    out = out.resolve()
    src = stage(out)
    cmd = [
        sys.executable,
        "-c",
        "from jupyter_book.cli.main import main; main()",
        "build",
        str(src),
        "--path-output",
        str(out),
        "--builder",
        "html",
        "--warningiserror",
        "--keep-going",
    ]
    try:
        import jupyter_book  # noqa: F401
    except ImportError:
        sys.exit("book: Jupyter Book is not installed; pip install -e '.[book]' (make book does)")
    subprocess.run(cmd, check=True, cwd=src)
    html = out / "html"
    if html.exists():
        shutil.rmtree(html)
    shutil.move(str(out / "_build" / "html"), html)
    return html


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "build" / "book"
    t0 = time.perf_counter()
    html = build(out)
    pages = [html / "chapters" / f"{nb.stem}.html" for nb in chapters()]
    pages += [html / "chapters" / "solutions" / f"{nb.stem}.html" for nb in solutions()]
    missing = [str(p) for p in pages if not p.is_file()]
    if missing:
        sys.exit(f"book: pages missing: {missing}")
    print(f"book: {len(pages)} chapter pages in {html} ({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
