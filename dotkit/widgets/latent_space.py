"""The latent space of a fitted recommender, seen in 2-D (chapter 5's explorer).

Item vectors live in ``f`` dimensions; to look at them we project them on
their two principal directions (PCA through the SVD of the centred item
vectors: ``Q - q̄ = U S Vᵀ``, coordinates ``(Q - q̄) V[:, :2]``). Pick a user
and the explorer draws every item as a grey dot, the user's taste vector as
an arrow in the same plane, and highlights the ``k`` items that score highest
for that user — by predicted rating (``recommend(user)``,
``μ + b_u + b_i + p_u·q_i``, biases included) or by the cosine of ``p_u`` and
``q_i`` (``recommend(user, metric="cosine")``: direction only, no biases). The list beside the picture, drawn into
the same PNG, names them (by title when titles are given) with both their
predicted rating and their cosine, whichever ranks them.

The picture is rendered to PNG with matplotlib's Agg canvas inside an
``ipywidgets.Image``, so the explorer can be built and driven without a
frontend (tests do).

Example:
    >>> from dotkit.widgets.latent_space import latent_space_explorer
    >>> ex = latent_space_explorer(model, titles)  # doctest: +SKIP
    >>> ex                                         # doctest: +SKIP
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, NamedTuple

import numpy as np

from dotkit.errors import DtypeError, InputValueError, NotFittedError
from dotkit.widgets._render import Explorer, new_figure, png_bytes


class Projection(NamedTuple):
    """Item vectors on their two principal directions."""

    coords: np.ndarray  # (n_items, 2)
    center: np.ndarray  # (f,) the mean item vector
    axes: np.ndarray  # (f, 2) the two principal directions (unit columns)
    explained: float  # share of the item vectors' variance the plane keeps


def project_items(item_factors: Any) -> Projection:
    """PCA of the item vectors via the SVD: ``coords = (Q - q̄) V[:, :2]``.

    Example:
        >>> Q = np.random.default_rng(0).normal(size=(50, 4))
        >>> project_items(Q).coords.shape
        (50, 2)
    """
    from dotkit.linalg import to_numpy

    try:
        Q = np.asarray(to_numpy(item_factors), dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise DtypeError(f"project_items: item_factors must be a numeric (items, f) array ({exc})") from None
    if Q.ndim != 2 or Q.shape[1] < 2 or Q.shape[0] < 2:
        raise InputValueError(
            "project_items: need item_factors with at least 2 items (rows) and 2 factors (columns); "
            f"received item_factors.shape={Q.shape}"
        )
    if not np.all(np.isfinite(Q)):
        raise InputValueError("project_items: item_factors holds NaN or infinite entries; a PCA of them "
                              "is undefined")
    center = Q.mean(axis=0)
    _, s, vt = np.linalg.svd(Q - center, full_matrices=False)
    axes = vt[:2].T
    axes = axes * np.where(axes.sum(axis=0) < 0, -1.0, 1.0)  # a fixed sign, so pictures are stable
    total = float(np.sum(s**2)) or 1.0
    return Projection((Q - center) @ axes, center, axes, float(np.sum(s[:2] ** 2) / total))


def _check_model(op: str, model: Any) -> None:
    """A fitted matrix-factorization model with vectors to draw, or a clear error."""
    from dotkit.models.mf import MatrixFactorization

    if not isinstance(model, MatrixFactorization):
        raise DtypeError(f"{op}: model must be a fitted MatrixFactorization; received {type(model).__name__}")
    try:
        model.user_ids  # noqa: B018 - only a fitted model has ids
    except NotFittedError:
        raise NotFittedError(f"{op}: the model is not fitted yet; call model.fit(users, items, ratings) "
                             "first") from None
    if model.n_factors < 2:
        raise InputValueError(f"{op}: model needs n_factors >= 2 to be drawn in a plane; "
                              f"received n_factors={model.n_factors}")


def draw_latent_space(
    model: Any,
    user: int,
    ax: Any,
    *,
    k: int = 8,
    metric: str = "rating",
    projection: Projection | None = None,
    titles: Mapping[int, str] | None = None,
    list_ax: Any = None,
) -> Any:
    """Draw the films in their PCA plane, ``user``'s vector, and the ``k`` nearest films.

    With ``list_ax`` (a second axes), the ranked films are also written there
    by title (``titles``: ``{item id: title}``), with each one's predicted
    rating and cosine, numbered like the points.
    """
    from dotkit.linalg import to_numpy

    _check_model("draw_latent_space", model)
    proj = project_items(model.item_factors) if projection is None else projection
    rec = model.recommend(user, k=k, metric=metric)
    rows = model.item_rows(rec.items)
    p = np.asarray(to_numpy(model.user_factors), dtype=float)[model.user_rows([user])[0]]
    arrow = p @ proj.axes
    spread = float(np.abs(proj.coords).max()) or 1.0
    arrow = arrow / (np.linalg.norm(arrow) or 1.0) * 0.9 * spread
    ax.scatter(*proj.coords.T, s=6, color="0.75", label="all films")
    label = f"top {len(rows)} by {'predicted rating' if metric == 'rating' else 'cosine'}"
    ax.scatter(*proj.coords[rows].T, s=40, color="tab:red", label=label, zorder=3)
    _label_points(ax, proj.coords[rows])
    style = {"arrowstyle": "-|>", "color": "tab:blue", "lw": 2}
    ax.annotate("", xy=arrow, xytext=(0, 0), arrowprops=style)
    ax.text(*(arrow * 1.06), f"user {user}", color="tab:blue", fontsize=9, ha="center")
    ax.plot([], [], color="tab:blue", lw=2, label=f"user {user}'s taste (direction)")
    ax.set(xlabel="principal direction 1", ylabel="principal direction 2", aspect="equal")
    ax.set_title(f"film vectors in 2-D ({proj.explained:.0%} of their variance)", fontsize=10)
    ax.legend(loc="lower left", fontsize=9)
    if list_ax is not None:
        _draw_list(list_ax, model, user, rec, metric, titles)
    return ax


def nudge_labels(anchors: Any, sizes: Any, *, marker: float = 4.0,
                 radii: tuple[float, ...] = (6.0, 11.0, 16.0, 21.0, 26.0, 31.0, 36.0)) -> np.ndarray:
    """Greedy label placement: for each anchor (in points), a box offset that overlaps no earlier box.

    ``anchors`` is ``(n, 2)`` in points, ``sizes`` the ``(n, 2)`` widths and
    heights of the labels. Each label tries eight directions at each radius
    in turn and takes the first spot whose box clears the boxes already
    placed and every anchor's marker (a square of half-side ``marker``);
    if none is free it takes the last spot tried. Returns the ``(n, 2)``
    offsets of each box's lower-left corner from its anchor.

    Example:
        >>> nudge_labels([[0, 0], [1, 0]], [[6, 8], [6, 8]]).shape  # two labels one point apart
        (2, 2)
    """
    anchors, sizes = np.asarray(anchors, dtype=float), np.asarray(sizes, dtype=float)
    angles = np.deg2rad([45, -45, 135, -135, 0, 90, 180, 270])
    dirs = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    lows = anchors - marker
    highs = anchors + marker
    placed_lo, placed_hi, offsets = list(lows), list(highs), []
    for (x, y), (w, h) in zip(anchors, sizes):
        best = None
        for r in radii:
            for dx, dy in dirs:
                off = np.array([r * dx - (w if dx < -1e-9 else w / 2 if abs(dx) < 1e-9 else 0.0),
                                r * dy - (h if dy < -1e-9 else h / 2 if abs(dy) < 1e-9 else 0.0)])
                lo, hi = np.array([x, y]) + off, np.array([x, y]) + off + [w, h]
                best = off
                clash = any(np.all(lo < p_hi) and np.all(p_lo < hi) for p_lo, p_hi in zip(placed_lo, placed_hi))
                if not clash:
                    break
            else:
                continue
            break
        offsets.append(best)
        placed_lo.append(np.array([x, y]) + best)
        placed_hi.append(np.array([x, y]) + best + [w, h])
    return np.array(offsets).reshape(len(anchors), 2)


def _label_points(ax: Any, coords: np.ndarray, fontsize: float = 8.0) -> None:
    """Number the highlighted points 1, 2, ..., each label nudged clear of the others (a thin line back
    to its point when it had to move far)."""
    ax.set_aspect("equal")
    ax.get_xlim()  # settles the data limits, so that the data-to-points transform is the one drawn
    ax.apply_aspect()
    to_points = 72.0 / ax.figure.dpi
    anchors = ax.transData.transform(coords) * to_points
    texts = [str(rank) for rank in range(1, len(coords) + 1)]
    # Boxes a little larger than the glyphs: a later tight_layout may shrink the axes somewhat.
    sizes = 1.2 * np.array([[0.62 * fontsize * len(t) + 2, fontsize + 2] for t in texts])
    offsets = nudge_labels(anchors, sizes)
    for text, (x, y), (dx, dy) in zip(texts, coords, offsets):
        far = np.hypot(dx, dy) > 12
        ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx + 1, dy + 1), fontsize=fontsize,
                    ha="left", va="bottom",
                    arrowprops={"arrowstyle": "-", "color": "0.5", "lw": 0.5, "shrinkA": 0, "shrinkB": 3}
                    if far else None)


def _draw_list(list_ax: Any, model: Any, user: int, rec: Any, metric: str,
               titles: Mapping[int, str] | None) -> None:
    """The ranked films as monospaced text: rank, predicted rating, cosine, title."""
    from dotkit.linalg import to_numpy

    names = dict(titles or {})
    predicted = np.asarray(to_numpy(model.predict([user] * len(rec.items), rec.items)), dtype=float)
    cosines = _cosines(model, user, rec.items)
    ranked_by = "predicted rating (μ + b_u + b_i + p·q)" if metric == "rating" else "cosine of p and q"
    lines = [f"user {user}: ranked by {ranked_by}", "", f"{'#':<3s} {'predicted':>9s}  {'cosine':>6s}  film"]
    for rank, (item, pred, cos) in enumerate(zip(rec.items, predicted, cosines), start=1):
        name = names.get(int(item), f"item {int(item)}")
        name = name if len(name) <= 34 else name[:33] + "…"
        lines.append(f"{rank:<3d} {pred:9.2f}  {cos:6.2f}  {name}")
    list_ax.axis("off")
    list_ax.text(0.0, 0.95, "\n".join(lines), va="top", ha="left", family="monospace", fontsize=9,
                 transform=list_ax.transAxes)


class LatentSpaceExplorer(Explorer):
    """The widget behind :func:`latent_space_explorer`; display it in a notebook.

    Attributes:
        user, k, metric: the controls (Dropdown, IntSlider, ToggleButtons).
        image: the picture; listing: an HTML table of the nearest items.
        widget: the whole layout (a VBox).
    """

    def __init__(self, model: Any, titles: Mapping[int, str] | None = None, users: Any = None,
                 k: int = 8) -> None:
        import ipywidgets as w

        _check_model("LatentSpaceExplorer", model)
        self.model, self.titles = model, dict(titles or {})
        self.projection = project_items(model.item_factors)
        choices = [int(u) for u in (model.user_ids[:50] if users is None else users)]
        if not choices:
            raise InputValueError("latent_space_explorer: no users to choose from")
        self.user = w.Dropdown(options=choices, value=choices[0], description="user")
        self.k = w.IntSlider(value=k, min=1, max=20, description="k")
        self.metric = w.ToggleButtons(options=[("predicted rating", "rating"), ("cosine", "cosine")], value="rating",
                                         description="rank by")
        self.image = w.Image(format="png", layout=w.Layout(width="840px"))
        self.listing = w.HTML()
        for control in (self.user, self.k, self.metric):
            control.observe(self._update, names="value")
        controls = w.HBox([self.user, self.k])
        self.widget = w.VBox([controls, self.metric, self.image, self.listing])
        self._update()

    def _update(self, change: Any = None) -> None:
        from dotkit.linalg import to_numpy

        user, k, metric = self.user.value, self.k.value, self.metric.value
        fig = new_figure(figsize=(10.5, 5))
        ax, list_ax = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
        draw_latent_space(self.model, user, ax, k=k, metric=metric, projection=self.projection,
                          titles=self.titles, list_ax=list_ax)
        fig.tight_layout()
        self.image.value = png_bytes(fig)
        rec = self.model.recommend(user, k=k, metric=metric)
        predicted = np.asarray(to_numpy(self.model.predict([user] * len(rec.items), rec.items)), dtype=float)
        cosines = _cosines(self.model, user, rec.items)
        names = [html.escape(self.titles.get(int(item), f"item {int(item)}")) for item in rec.items]
        rows = "".join(
            f"<tr><td>{rank}</td><td>{name}</td><td>{pred:.2f}</td><td>{cos:.2f}</td></tr>"
            for rank, (name, pred, cos) in enumerate(zip(names, predicted, cosines), start=1)
        )
        head = "<th>#</th><th>film</th><th>predicted rating</th><th>cosine</th>"
        ranked_by = "predicted rating" if metric == "rating" else "cosine"
        self.listing.value = f"<b>ranked by {ranked_by}</b><table><tr>{head}</tr>{rows}</table>"


def _cosines(model: Any, user: int, items: Any) -> np.ndarray:
    """``cos(p_u, q_i)`` for the listed items."""
    from dotkit.linalg import to_numpy

    p = np.asarray(to_numpy(model.user_factors), dtype=float)[model.user_rows([user])[0]]
    Q = np.asarray(to_numpy(model.item_factors), dtype=float)[model.item_rows(items)]
    return Q @ p / np.maximum(np.linalg.norm(Q, axis=1) * np.linalg.norm(p), 1e-12)


def latent_space_explorer(model: Any, titles: Mapping[int, str] | None = None, users: Any = None,
                          k: int = 8) -> LatentSpaceExplorer:
    """A widget: pick a user, see the items nearest their vector in a 2-D projection.

    Args:
        model: a fitted :class:`~dotkit.models.mf.MatrixFactorization` with ``n_factors >= 2``.
        titles: optional ``{item id: title}`` for the list.
        users: the user ids offered (default: the first 50).
        k: how many items to highlight at first.
    """
    return LatentSpaceExplorer(model, titles, users, k)


__all__ = ["LatentSpaceExplorer", "Projection", "draw_latent_space", "latent_space_explorer",
           "nudge_labels", "project_items"]
