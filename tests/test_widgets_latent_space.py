"""The latent-space explorer (chapter 5): it builds without a frontend and shows what it claims.

The ranking it draws is the model's own (:meth:`MatrixFactorization.recommend`),
covered in ``test_mf.py``; here only the drawing and the wiring are checked.
"""

from __future__ import annotations

import numpy as np
import pytest

import dotkit as dk
from dotkit.datasets.movielens import make_ratings
from dotkit.models.mf import MatrixFactorization


def _np(x):
    return np.asarray(dk.to_numpy(x), dtype=np.float64)


def _small_model(backend):
    data = make_ratings(40, 30, n_factors=2, density=0.4, seed=3, noise=0.2)
    mf = MatrixFactorization(n_factors=4, reg=0.05, seed=1, backend=backend)
    return mf.fit(data.users, data.items, data.ratings, epochs=3, progress=False), data


def test_latent_space_explorer_builds_headless(backend) -> None:
    pytest.importorskip("ipywidgets")
    from dotkit.widgets.latent_space import latent_space_explorer, project_items

    mf, _ = _small_model(backend)
    proj = project_items(mf.item_factors)
    Q = _np(mf.item_factors)
    assert proj.coords.shape == (len(mf.item_ids), 2) and 0 < proj.explained <= 1
    np.testing.assert_allclose(proj.coords, (Q - Q.mean(0)) @ proj.axes, atol=1e-9)
    user = int(mf.user_ids[2])
    ex = latent_space_explorer(mf, titles={int(mf.item_ids[0]): "Café <b>"}, k=4)
    first = ex.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n" and "<table>" in ex.listing.value
    ex.user.value = user
    ex.metric.value = "cosine"
    assert ex.image.value != first and "cosine" in ex.listing.value
    cos = mf.recommend(user, k=3, metric="cosine")
    assert not set(cos.items.tolist()) & set(mf.rated_items(user).tolist())
    assert np.all(np.diff(cos.scores) <= 1e-12)

    # Both modes list the predicted rating and the cosine of every film shown.
    for mode in ("rating", "cosine"):
        ex.metric.value = mode
        assert "predicted rating" in ex.listing.value and "<th>cosine</th>" in ex.listing.value
    dot = mf.recommend(user, k=3)
    pred = _np(mf.predict([user] * 3, dot.items))
    ex.metric.value = "rating"
    assert all(f"<td>{v:.2f}</td>" in ex.listing.value for v in pred)


def test_latent_space_picture_names_the_films(backend) -> None:
    """The static picture (what a page without a kernel shows) carries the titles and both scores."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dotkit.widgets.latent_space import draw_latent_space

    mf, _ = _small_model(backend)
    user = int(mf.user_ids[1])
    rec = mf.recommend(user, k=3)
    titles = {int(rec.items[0]): "The First Film (1999)"}
    fig, (ax, list_ax) = plt.subplots(1, 2)
    draw_latent_space(mf, user, ax, k=3, metric="rating", titles=titles, list_ax=list_ax)
    text = "\n".join(t.get_text() for t in list_ax.texts)
    plt.close(fig)
    assert "The First Film (1999)" in text and "predicted rating" in text
    pred = _np(mf.predict([user], rec.items[:1]))[0]
    assert f"{pred:9.2f}" in text


def test_the_explorer_refuses_what_it_cannot_draw() -> None:
    pytest.importorskip("ipywidgets")
    from dotkit.errors import DtypeError, InputValueError, NotFittedError
    from dotkit.widgets.latent_space import LatentSpaceExplorer, draw_latent_space, project_items

    with pytest.raises(NotFittedError, match="LatentSpaceExplorer: the model is not fitted"):
        LatentSpaceExplorer(MatrixFactorization(n_factors=2))
    with pytest.raises(NotFittedError, match="draw_latent_space"):
        draw_latent_space(MatrixFactorization(n_factors=2), 0, None)
    with pytest.raises(DtypeError, match="LatentSpaceExplorer: model must be"):
        LatentSpaceExplorer("model")
    for bad in (np.ones(5), np.ones((1, 3)), np.full((5, 3), np.nan)):
        with pytest.raises(InputValueError, match="project_items: .*item_factors"):
            project_items(bad)


def _overlap(lo_a, hi_a, lo_b, hi_b) -> bool:
    return bool(np.all(lo_a < hi_b) and np.all(lo_b < hi_a))


def test_nudged_labels_of_a_tight_cluster_do_not_overlap() -> None:
    """Ten labels whose points lie within two points of each other still get ten disjoint boxes,
    none of them over a point's marker."""
    from dotkit.widgets.latent_space import nudge_labels

    anchors = np.random.default_rng(0).uniform(0, 2, size=(10, 2))
    sizes = np.array([[7.0 if k < 9 else 12.0, 10.0] for k in range(10)])
    offsets = nudge_labels(anchors, sizes, marker=3.0)
    lo, hi = anchors + offsets, anchors + offsets + sizes
    for a in range(10):
        for b in range(a + 1, 10):
            assert not _overlap(lo[a], hi[a], lo[b], hi[b]), (a, b)
        for c in range(10):
            assert not _overlap(lo[a], hi[a], anchors[c] - 3.0, anchors[c] + 3.0), (a, c)
    # A lone label stays next to its point.
    assert np.hypot(*nudge_labels([[0.0, 0.0]], [[7.0, 10.0]])[0]) <= 6.01


def test_the_picture_numbers_each_highlighted_film_once(backend) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dotkit.widgets.latent_space import draw_latent_space

    mf, _ = _small_model(backend)
    fig, ax = plt.subplots()
    draw_latent_space(mf, int(mf.user_ids[0]), ax, k=6)
    numbers = sorted(t.get_text() for t in ax.texts if t.get_text().isdigit())
    plt.close(fig)
    assert numbers == [str(k) for k in range(1, 7)]
