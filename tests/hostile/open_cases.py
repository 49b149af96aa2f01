"""Open cases: what the table finds that is still to be fixed, with whose module it is and the fix.

Each entry is a case id, the backends it fails on ("*": all), the owner and the fix needed.
The tests are strict xfails there, so a fix turns them red until its entry is removed here.
"""

from __future__ import annotations

OPEN: dict[str, tuple[str, str, str]] = {
    "models.CNN.fit.lr-diverges": (
        "mlx",
        "contract engineer",
        "the case's X·1e150 is inf in float32, so MLX refuses X at the door (naming X, not lr) before any "
        "step can diverge; the case needs an input scale float32 can hold on MLX",
    ),
    "models.MF.factors-zero": (
        "*",
        "chapter-5 engineer",
        "models.mf.MatrixFactorization: refuse n_factors=0",
    ),
    "models.MiniLM.config-corrupt": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.config-list": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.config-missing-key": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.encode.int": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.encode.none": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.folder-missing": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.tokenize.int": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.tokenizer-corrupt": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.weights-corrupt": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.weights-empty": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "models.MiniLM.weights-missing": (
        "*",
        "speed engineer",
        "models.minilm.MiniLM: wrap corrupt config/weights/tokenizer in DataFormatError naming the file; "
        "DataNotFoundError for a missing folder; name 'sentences' in encode/tokenize errors",
    ),
    "nn.attention.inf-query": (
        "*",
        "speed engineer",
        "nn.attention: a +inf score gives NaN; softmax rows with +inf as dotkit.softmax does",
    ),
    "nn.attention.mask-string": (
        "*",
        "speed engineer",
        "nn.attention: check mask under its own name (its error says to_numpy)",
    ),
    "nn.attention.runaway-batch": (
        "*",
        "speed engineer",
        "nn.attention: size-guard the (..., L, S) score table of the generic path and the broadcast batch"
        " (MLX segfaults)",
    ),
    "nn.attention.runaway-generic": (
        "*",
        "speed engineer",
        "nn.attention: size-guard the (..., L, S) score table of the generic path and the broadcast batch"
        " (MLX segfaults)",
    ),
    "nn.attention_weights.runaway": (
        "*",
        "speed engineer",
        "nn.attention.attention_weights: size-guard the (L, S) table",
    ),
    "nn.conv2d.output-runaway": (
        "*",
        "speed engineer",
        "nn.conv: size-guard the padded input and the output before starting (dotkit._memory.check_shape)",
    ),
    "nn.conv2d.padding-runaway": (
        "*",
        "speed engineer",
        "nn.conv: size-guard the padded input and the output before starting (dotkit._memory.check_shape)",
    ),
    "nn.conv2d_naive.padding-runaway": (
        "*",
        "speed engineer",
        "nn.conv: size-guard the padded input and the output before starting (dotkit._memory.check_shape)",
    ),
    "nn.im2col.runaway": (
        "*",
        "speed engineer",
        "nn.conv.im2col: size-guard the padded input and the column matrix",
    ),
    "nn.linear_attention.feature-map-string": (
        "*",
        "speed engineer",
        "nn.attention.linear_attention: refuse a feature_map that is not callable",
    ),
    "nn.linear_attention.negative-map": (
        "*",
        "speed engineer",
        "nn.attention.linear_attention: refuse a feature map with negative entries (weights must be >= 0)",
    ),
    "nn.linear_attention.no-keys": (
        "*",
        "speed engineer",
        "nn.attention.linear_attention: S = 0 gives 0/0 = NaN; return zeros as scaled_dot_product_attention does",
    ),
}
