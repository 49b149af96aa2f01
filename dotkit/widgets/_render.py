"""What every chapter's explorer shares: off-screen figures rendered to PNG, and display.

Figures are drawn with matplotlib's Agg canvas directly, never through pyplot,
so an explorer never opens a window or changes the notebook's current figure.
"""

from __future__ import annotations

import base64
import io
from typing import Any


def new_figure(**kwargs: Any) -> Any:
    """A matplotlib ``Figure`` on an Agg canvas (``dpi=80`` unless given)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(**{"dpi": 80, **kwargs})
    FigureCanvasAgg(fig)
    return fig


def png_bytes(fig: Any) -> bytes:
    """The figure as PNG bytes, for an ``ipywidgets.Image``."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


class Explorer:
    """Base of the explorers: ``self.widget`` is the ipywidgets box a notebook shows.

    Each explorer draws into ``self.image`` (an ``ipywidgets.Image``). Its output
    carries that picture as ``image/png`` too, beside the live widget, so a page
    with no kernel (GitHub, nbviewer, the static book) shows the first frame.
    """

    widget: Any
    image: Any

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = dict(self.widget._repr_mimebundle_(**kwargs))
        picture = getattr(getattr(self, "image", None), "value", b"")
        if picture:
            bundle["image/png"] = base64.b64encode(picture).decode("ascii")
        return bundle
