"""``make book``: the static HTML book builds, with a page per chapter and its stored outputs."""

from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "chapters").glob("*.ipynb"))

pytest.importorskip(
    "jupyter_book", reason="Jupyter Book is not installed (pip install -e '.[book]')"
)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("book")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "book" / "build.py"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return out / "html"


def _title(nb_path: Path) -> str:
    nb = json.loads(nb_path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "markdown":
            for line in "".join(cell["source"]).splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    raise AssertionError(f"{nb_path.name} has no top-level heading")


def _stored_images(nb_path: Path) -> int:
    nb = json.loads(nb_path.read_text())
    return sum(
        1
        for cell in nb["cells"]
        if cell["cell_type"] == "code"
        for out in cell.get("outputs", [])
        if "image/png" in out.get("data", {})
    )


@pytest.mark.slow
def test_book_has_every_chapter_page(book: Path):
    assert CHAPTERS, "no chapters/*.ipynb"
    index = book / "index.html"
    assert index.is_file()
    nav = (book / "intro.html").read_text()
    for nb in CHAPTERS:
        page = book / "chapters" / f"{nb.stem}.html"
        assert page.is_file(), f"missing page for {nb.name}"
        text = page.read_text()
        assert f"chapters/{nb.stem}.html" in nav, f"{nb.stem} not in the book's navigation"
        title = _title(nb)
        plain = html_lib.unescape(re.sub(r"<[^>]+>", "", text))
        assert title in plain, f"{nb.stem}: title {title!r} not on the page"
        # the outputs stored in the notebook are on the page, not re-executed or dropped
        images = len(re.findall(r"<img [^>]*src=\"\.\./_images/", text))
        assert images >= _stored_images(nb), (nb.stem, images, _stored_images(nb))
        assert (book / "_images").is_dir()
    assert (book / "search.html").is_file() and (book / "searchindex.js").is_file()


@pytest.mark.slow
def test_book_pages_load_nothing_from_the_network(book: Path):
    pages = [book / "index.html", book / "intro.html", *(book / "chapters").glob("*.html")]
    for page in pages:
        text = page.read_text()
        remote = re.findall(r"<(?:script|link|img)\b[^>]*(?:src|href)=\"(?:https?:)?//[^\"]*", text)
        assert remote == [], (page.name, remote)
    # formulas render with the MathJax copied next to the pages
    page = (book / "chapters" / f"{CHAPTERS[0].stem}.html").read_text()
    assert "../_static/../mathjax/tex-mml-chtml.js" in page
    assert (book / "mathjax" / "tex-mml-chtml.js").is_file()
    assert any((book / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").glob("*.woff"))
