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
}
