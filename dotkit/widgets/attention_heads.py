"""The attention-head explorer: what each head of a real transformer looks at (chapter 4).

Type a sentence (or pick one of those offered), a layer and a head; the explorer shows that head's attention
matrix as a heatmap (row ``i``: how token ``i`` spreads its attention over the
tokens) and names, for every token, the token it attends to most. The weights
come from :meth:`dotkit.models.minilm.MiniLM.attentions`, computed once per
sentence and kept. The picture is rendered to PNG with matplotlib's Agg canvas
and shown in an ``ipywidgets.Image``, so the explorer can be built and driven
without a live frontend (tests do).

Example:
    >>> from dotkit.widgets.attention_heads import attention_explorer
    >>> ex = attention_explorer(["The cat sat on the mat."])   # doctest: +SKIP
    >>> ex                                                       # doctest: +SKIP
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dotkit._inputs import check_positive_int
from dotkit.errors import DtypeError, InputValueError
from dotkit.widgets._render import Explorer, new_figure, png_bytes


def draw_attention(weights: Any, tokens: Sequence[str], ax: Any, *, title: str = "",
                   colorbar: bool = False, vmax: float | None = None, annotate: bool = False) -> Any:
    """Draw a ``(T, T)`` attention matrix as a heatmap with token labels.

    Rows are the queries (the token doing the looking), columns the keys. The
    colour scale runs from 0 to ``vmax`` (default: the matrix's own maximum);
    give comparable panels the same ``vmax`` so that one colour means one weight.

    Example:
        >>> fig, ax = plt.subplots()                             # doctest: +SKIP
        >>> draw_attention(w, ["[CLS]", "hi", "[SEP]"], ax)      # doctest: +SKIP
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 2 or w.shape[0] != len(tokens) or w.shape[1] != len(tokens):
        raise InputValueError(
            f"draw_attention: expected a (T, T) matrix for T={len(tokens)} tokens; received shape {w.shape}"
        )
    top = max(float(w.max()), 1e-9) if vmax is None else float(vmax)
    image = ax.imshow(w, cmap="viridis", vmin=0.0, vmax=top)
    ax.set_xticks(range(len(tokens)), tokens, rotation=90, fontsize=9)
    ax.set_yticks(range(len(tokens)), tokens, fontsize=9)
    ax.set_xlabel("key (looked at)", fontsize=9)
    ax.set_ylabel("query (looking)", fontsize=9)
    if title:
        ax.set_title(title, fontsize=10)
    if annotate:  # print each weight in its cell, dark text on light cells
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                ax.text(j, i, f"{w[i, j]:.2f}", ha="center", va="center", fontsize=9,
                        color="black" if w[i, j] > 0.6 * top else "white")
    if colorbar:
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="attention weight")
    return ax


class AttentionExplorer(Explorer):
    """The widget behind :func:`attention_explorer`; display it in a notebook.

    Attributes:
        sentence, layer, head: the Combobox (any text, or one of the sentences offered) and the
            two IntSliders (layers and heads count from 1).
        readout: an HTML widget naming each token's favourite.
        image: an Image widget with the heatmap.
        widget: the whole layout (a VBox).
    """

    def __init__(self, sentences: Sequence[str], model: Any = None, *, backend: Any = None,
                 layer: int = 1, head: int = 1) -> None:
        import ipywidgets as w

        if isinstance(sentences, str) or not sentences or not all(isinstance(s, str) for s in sentences):
            raise DtypeError("attention_explorer: expected a non-empty list of sentences (strings)")
        for name, value in (("layer", layer), ("head", head)):
            check_positive_int("attention_explorer", name, value)
        if model is None:
            from dotkit.models.minilm import MiniLM

            model = MiniLM.from_package()
        if not all(hasattr(model, a) for a in ("n_layers", "n_heads", "attentions")):
            raise DtypeError(f"attention_explorer: model must be a loaded MiniLM (or None to load the packaged "
                             f"one); received {type(model).__name__} {model!r:.60}")
        for name, value, count in (("layer", layer, model.n_layers), ("head", head, model.n_heads)):
            if value > count:  # the slider would quietly clamp it and show another head
                raise InputValueError(f"attention_explorer: {name} counts from 1 to {count} in this model; "
                                      f"received {name}={value}")
        self.model = model
        self.backend = backend
        self._cache: dict[str, Any] = {}
        # A Combobox offers the given sentences and accepts any other text typed in (sent with Enter).
        self.sentence = w.Combobox(options=list(sentences), value=sentences[0], description="sentence",
                                   placeholder="type a sentence, or pick one", ensure_option=False,
                                   continuous_update=False, layout=w.Layout(width="520px"))
        self.layer = w.IntSlider(value=layer, min=1, max=model.n_layers, description="layer")
        self.head = w.IntSlider(value=head, min=1, max=model.n_heads, description="head")
        self.readout = w.HTML()
        self.image = w.Image(format="png", layout=w.Layout(width="440px"))
        for control in (self.sentence, self.layer, self.head):
            control.observe(self._update, names="value")
        controls = w.VBox([self.sentence, self.layer, self.head, self.readout])
        self.widget = w.VBox([controls, self.image])
        self._update()

    def current(self) -> tuple[list[str], np.ndarray]:
        """The tokens and the ``(T, T)`` weights of the selected sentence, layer and head."""
        text = self.sentence.value
        if text not in self._cache:
            self._cache[text] = self.model.attentions(text, backend=self.backend)
        att = self._cache[text]
        return list(att.tokens), att.weights[self.layer.value - 1, self.head.value - 1]

    def _update(self, change: Any = None) -> None:
        if not self.sentence.value.strip():  # an emptied box: keep the last picture
            return
        tokens, weights = self.current()
        favourite = weights.argmax(axis=1)
        pairs = ", ".join(f"{t} → <b>{tokens[j]}</b>" for t, j in zip(tokens, favourite))
        self.readout.value = f"<small>most attended: {pairs}</small>"
        self.image.value = self._png(tokens, weights)

    def _png(self, tokens: list[str], weights: np.ndarray) -> bytes:
        size = 3.2 + 0.25 * len(tokens)
        fig = new_figure(figsize=(size, size))
        title = f"layer {self.layer.value}, head {self.head.value}"
        # One colour scale, 0 to 1, for every head: switching heads compares like with like.
        draw_attention(weights, tokens, fig.add_subplot(), title=title, colorbar=True, vmax=1.0)
        fig.tight_layout()
        return png_bytes(fig)


    def __repr__(self) -> str:
        return (f"AttentionExplorer(sentence={self.sentence.value!r}, layer={self.layer.value}, "
                f"head={self.head.value})")


def attention_explorer(sentences: Sequence[str], model: Any = None, *, backend: Any = None,
                       layer: int = 1, head: int = 1) -> AttentionExplorer:
    """An explorer of MiniLM's attention: choose sentence, layer and head, see the heatmap.

    Args:
        sentences: the sentences to choose from.
        model: a loaded :class:`~dotkit.models.minilm.MiniLM` (loaded from the package if None).
        backend: the backend that computes the weights (default: the current one).
        layer, head: the head shown first (both counted from 1).

    Example:
        >>> attention_explorer(["The cat sat on the mat."])    # doctest: +SKIP
    """
    return AttentionExplorer(sentences, model, backend=backend, layer=layer, head=head)


__all__ = ["AttentionExplorer", "attention_explorer", "draw_attention"]
