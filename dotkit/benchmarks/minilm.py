"""MiniLM sentence embeddings: sentences per second of ``MiniLM.encode``, against sentence-transformers.

The model is all-MiniLM-L6-v2 from its installed package (no download).
Where sentence-transformers is installed, it encodes the same sentences with
the same weights at the same batch size (32), in alternation with dotkit,
and ``vs_torch`` is dotkit's rate over its rate: the median over the rounds,
with the spread.

Example:
    >>> from dotkit.benchmarks.minilm import sentences
    >>> len(sentences(3)), sentences(3) == sentences(3)
    (3, True)
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from dotkit.backends import Backend
from dotkit.benchmarks.profiles import Profile
from dotkit.benchmarks.rows import ratio_fields
from dotkit.benchmarks.timing import SETTLE_S, paired_ratios, time_call, time_calls

BATCH_SIZE = 32

_WORDS = (
    "the", "cat", "sat", "on", "a", "mat", "while", "dot", "products", "measure", "how", "two",
    "vectors", "align", "and", "attention", "weighs", "every", "word", "by", "its", "score",
    "against", "query", "so", "that", "meaning", "moves", "between", "tokens", "in", "sentence",
    "model", "reads", "once",
)  # fmt: skip


def sentences(n: int) -> list[str]:
    """``n`` seeded sentences of 6 to 20 words (the benchmark's input)."""
    rng = np.random.default_rng(0)
    return [" ".join(rng.choice(_WORDS, size=int(rng.integers(6, 21)))) + "." for _ in range(n)]


@functools.cache
def _model() -> Any:
    """The MiniLM model, loaded once per process (each backend converts the weights once)."""
    from dotkit.models.minilm import MiniLM

    return MiniLM.from_package()


@functools.cache
def _sentence_transformers() -> Any:
    """sentence-transformers' model from the same installed folder, or None (never required)."""
    try:
        from sentence_transformers import SentenceTransformer

        from dotkit.datasets.minilm import minilm_path

        return SentenceTransformer(str(minilm_path()), device="cpu")
    except Exception:  # noqa: BLE001 - not installed, or no offline copy it can read
        return None


def bench_minilm(bk: Backend, prof: Profile) -> list[dict]:
    """Sentences per second of ``MiniLM.encode`` on ``prof.minilm_sentences`` sentences.

    A slow backend encodes fewer sentences, so that one call stays within ten
    times ``prof.max_call_s``; the rate is what is compared.
    """
    model = _model()
    batch = _affordable(model, bk, sentences(prof.minilm_sentences), prof)
    calls = [lambda: bk.sync(model.encode(batch, batch_size=BATCH_SIZE, backend=bk))]
    st = _sentence_transformers()
    if st is not None:
        calls.append(lambda: st.encode(batch, batch_size=BATCH_SIZE))
    times = time_calls(calls, repeats=prof.rounds, budget_s=1e9,  # every round: each is one ratio
                       settle_s=0.0 if prof.name == "smoke" else SETTLE_S)
    row: dict[str, Any] = {"op": "minilm", "backend": bk.name, "size": f"{len(batch)} sentences",
                           "dotkit_s": times[0].median, "dotkit_best_s": times[0].best,
                           "sentences_per_s": len(batch) / times[0].median, "batch_size": BATCH_SIZE}
    if st is not None:
        row["sentence_transformers_per_s"] = len(batch) / times[1].median
        row.update(ratio_fields("torch", paired_ratios(times[1], times[0])))
    return [row]


def _affordable(model: Any, bk: Backend, batch: list[str], prof: Profile) -> list[str]:
    """The first sentences of ``batch`` that one call encodes within ``10 × prof.max_call_s`` (at least 8)."""
    probe = batch[:8]
    if len(batch) <= len(probe):
        return batch
    first = time_call(lambda: model.encode(probe, backend=bk), sync=bk.sync, repeats=1, budget_s=0)
    per_sentence = first.median / len(probe)
    return batch[: max(len(probe), int(10 * prof.max_call_s / per_sentence))]


__all__ = ["BATCH_SIZE", "bench_minilm", "sentences"]
