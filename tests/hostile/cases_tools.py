"""Hostile inputs for the widgets' public functions, the %dotkit magics, the exercise checkers and the bench."""

from __future__ import annotations

import importlib
import math

import numpy as np

import dotkit as dk
from hostile.spec import Equals, Raises, Satisfies, case, finite

NAN, INF = math.nan, math.inf


def mod(name: str):
    return importlib.import_module(f"dotkit.{name}")


# --- the computations behind the widgets ---------------------------------------------------------------
EX = "explain"
case(
    "widgets.explain.zero",
    lambda: mod("widgets.vectors").explain([0.0, 0.0], [1.0, 0.0])["sign"],
    Satisfies(lambda sign: "90" not in sign, "no claim that a zero vector is perpendicular (its angle is undefined)"),
)
case(
    "widgets.explain.nan",
    lambda: mod("widgets.vectors").explain([NAN, 0.0], [1.0, 0.0])["sign"],
    Satisfies(lambda sign: "90" not in sign, "no claim that a NaN vector is perpendicular"),
)
case(
    "widgets.explain.three-d",
    lambda: mod("widgets.vectors").explain([1.0, 0.0, 0.0], [1.0, 0.0]),
    Raises(ValueError, EX, "a"),
)
case("widgets.explain.string", lambda: mod("widgets.vectors").explain("ab", [1.0, 0.0]), Raises(TypeError, EX, "a"))
case(
    "widgets.explain.huge",
    lambda: float(mod("widgets.vectors").explain([1e200, 0.0], [0.0, 1e200])["angle"]),
    Equals(lambda: 90.0, rtol=1e-6),
)
case(
    "widgets.VectorExplorer.string",
    lambda: mod("widgets.vectors").VectorExplorer(a="x"),
    Raises(TypeError, "VectorExplorer", "a"),
)
NEU = "nn.neuron"
case(
    "widgets.neuron.evaluate-w-length",
    lambda: mod(NEU).evaluate([1.0, 2.0, 3.0], 0.0, np.ones((4, 2)), [0, 1, 0, 1]),
    Raises(ValueError, "evaluate", "w"),
)
case(
    "widgets.neuron.evaluate-y-length",
    lambda: mod(NEU).evaluate([1.0, 2.0], 0.0, np.ones((4, 2)), [0, 1]),
    Raises(ValueError, "evaluate", "y"),
)
case(
    "widgets.neuron.evaluate-b-string",
    lambda: mod(NEU).evaluate([1.0, 2.0], "0", np.ones((4, 2)), [0, 1, 0, 1]),
    Raises(ValueError, "evaluate", "b"),
)
case(
    "widgets.neuron.evaluate-b-nan",
    lambda: mod(NEU).evaluate([1.0, 2.0], NAN, np.ones((4, 2)), [0, 1, 0, 1]),
    Raises(ValueError, "evaluate", "b"),
)
case(
    "widgets.neuron.evaluate-labels",
    lambda: mod(NEU).evaluate([1.0, 2.0], 0.0, np.ones((4, 2)), [0, 1, 2, 1]),
    Raises(ValueError, "evaluate", "y"),
)
case(
    "widgets.neuron.evaluate-large",
    lambda: [v for v in mod(NEU).evaluate([1e4, 1e4], 0.0, np.ones((4, 2)), [0, 1, 0, 1]).values()],
    Satisfies(finite, "finite loss and accuracy for saturated outputs"),
)
case(
    "widgets.neuron.step-lr-nan",
    lambda: mod(NEU).gradient_step([1.0, 2.0], 0.0, np.ones((4, 2)), [0, 1, 0, 1], lr=NAN),
    Raises(ValueError, "gradient_step", "lr"),
)
case(
    "widgets.neuron.step-lr-negative",
    lambda: mod(NEU).gradient_step([1.0, 2.0], 0.0, np.ones((4, 2)), [0, 1, 0, 1], lr=-1.0),
    Raises(ValueError, "gradient_step", "lr"),
)
case(
    "widgets.neuron.gradients-X-nan",
    lambda: mod(NEU).neuron_gradients([1.0, 2.0], 0.0, np.full((4, 2), NAN), [0, 1, 0, 1])[1],
    Equals(lambda: NAN),
)
case("widgets.neuron.blobs-zero", lambda: mod(NEU).make_blobs_2d(0), Raises(ValueError, "make_blobs_2d", "n"))
case(
    "widgets.neuron.blobs-spread",
    lambda: mod(NEU).make_blobs_2d(10, spread=-1.0),
    Raises(ValueError, "make_blobs_2d", "spread"),
)
case(
    "widgets.NeuronExplorer.w-string",
    lambda: mod("widgets.neuron").NeuronExplorer(w="ab"),
    Raises(TypeError, "NeuronExplorer", "w"),
)
FI = "filter_image"
case(
    "widgets.filter_image.kernel-nan",
    lambda: mod("nn.image_filters").filter_image(np.ones((8, 8)), np.full((3, 3), NAN)),
    Raises(ValueError, FI, "kernel"),
)
case(
    "widgets.filter_image.kernel-1d",
    lambda: mod("nn.image_filters").filter_image(np.ones((8, 8)), [1.0, 2.0, 3.0]),
    Raises(ValueError, FI, "kernel"),
)
case(
    "widgets.filter_image.kernel-big",
    lambda: mod("nn.image_filters").filter_image(np.ones((4, 4)), np.ones((7, 7))),
    Raises(ValueError, FI, "kernel"),
)
case(
    "widgets.filter_image.image-1d",
    lambda: mod("nn.image_filters").filter_image(np.ones(8), np.ones((3, 3))),
    Raises(ValueError, FI, "image"),
)
case(
    "widgets.filter_image.image-string",
    lambda: mod("nn.image_filters").filter_image("camera", np.ones((3, 3))),
    Raises(TypeError, FI, "image"),
)
case(
    "widgets.filter_image.identity",
    lambda: (
        mod("nn.image_filters").filter_image(np.arange(25.0).reshape(5, 5), [[0, 0, 0], [0, 1, 0], [0, 0, 0]]).shape
    ),
    Satisfies(lambda s: tuple(s)[:2] in ((5, 5), (3, 3)), "a filtered image"),
)
FP = "filter_playground"
case(
    "widgets.filter_playground.photo",
    lambda: mod("widgets.filters").filter_playground(photo="nope"),
    Raises(ValueError, "nope", None),
)
case(
    "widgets.filter_playground.preset",
    lambda: mod("widgets.filters").filter_playground(preset="nope"),
    Raises(ValueError, FP, "preset"),
)
case(
    "widgets.filter_playground.size",
    lambda: mod("widgets.filters").filter_playground(size=0),
    Raises(ValueError, FP, "size"),
)
case(
    "widgets.filter_playground.mode",
    lambda: mod("widgets.filters").filter_playground(mode="sepia"),
    Raises(ValueError, FP, "mode"),
)
case(
    "widgets.filter_playground.set_kernel",
    lambda: mod("widgets.filters").filter_playground(size=16).set_kernel(np.full((3, 3), INF)),
    Raises(ValueError, FP, "kernel"),
)
AE = "attention_explorer"
case(
    "widgets.attention_explorer.empty",
    lambda: mod("widgets.attention_heads").attention_explorer([]),
    Raises((TypeError, ValueError), AE, "sentences"),
)
case(
    "widgets.attention_explorer.string",
    lambda: mod("widgets.attention_heads").attention_explorer(["one sentence"], model="x"),
    Raises(TypeError, AE, "model"),
)
case(
    "widgets.attention_explorer.layer",
    lambda: mod("widgets.attention_heads").attention_explorer(["a cat"], layer=9),
    Raises(ValueError, AE, "layer"),
    timeout=60,
)
case(
    "widgets.attention_explorer.head",
    lambda: mod("widgets.attention_heads").attention_explorer(["a cat"], head=0),
    Raises(ValueError, AE, "head"),
    timeout=60,
)
case(
    "widgets.draw_attention.shape",
    lambda: mod("widgets.attention_heads").draw_attention(np.ones((3, 3)), ["a", "b"], None),
    Raises(ValueError, "draw_attention", ("weights", "tokens")),
)
LS = "LatentSpaceExplorer"


def _unfitted():
    from dotkit.models import MatrixFactorization

    return MatrixFactorization(n_factors=2)


case(
    "widgets.LatentSpaceExplorer.unfitted",
    lambda: mod("widgets.latent_space").LatentSpaceExplorer(_unfitted()),
    Raises(RuntimeError, LS, ("fit", "model")),
)
case(
    "widgets.LatentSpaceExplorer.model-string",
    lambda: mod("widgets.latent_space").LatentSpaceExplorer("model"),
    Raises(TypeError, LS, "model"),
)
case(
    "widgets.project_items.1d",
    lambda: mod("widgets.latent_space").project_items(np.ones(5)),
    Raises(ValueError, "project_items", "item_factors"),
)
case(
    "widgets.project_items.nan",
    lambda: mod("widgets.latent_space").project_items(np.full((5, 3), NAN)),
    Raises(ValueError, "project_items", "item_factors"),
)
case(
    "widgets.project_items.one-item",
    lambda: mod("widgets.latent_space").project_items(np.ones((1, 3))),
    Raises(ValueError, "project_items", "item_factors"),
)
case(
    "widgets.draw_latent_space.unfitted",
    lambda: mod("widgets.latent_space").draw_latent_space(_unfitted(), 0, None),
    Raises(RuntimeError, "draw_latent_space", ("fit", "model")),
)
VE = "value_explorer"
case(
    "widgets.value_explorer.episodes",
    lambda: mod("widgets.value_function").value_explorer(n_episodes=0),
    Raises(ValueError, VE, "n_episodes"),
)
case(
    "widgets.value_explorer.alpha",
    lambda: mod("widgets.value_function").value_explorer(alpha=-1.0),
    Raises(ValueError, VE, "alpha"),
)
case(
    "widgets.value_explorer.groups",
    lambda: mod("widgets.value_function").value_explorer(n_groups=0),
    Raises(ValueError, VE, "n_groups"),
)
case(
    "widgets.value_explorer.seed",
    lambda: mod("widgets.value_function").value_explorer(seed="a"),
    Raises(ValueError, VE, "seed"),
)
case(
    "widgets.mc_weight_history.alpha-nan",
    lambda: mod("rl.experiments").mc_weight_history(10, NAN),
    Raises(ValueError, "mc_weight_history", "alpha"),
)

# --- %dotkit magics -------------------------------------------------------------------------------------
MG = "%dotkit"
case(
    "magics.unknown-command",
    lambda: mod("magics").run_magic("frobnicate", None, None),
    Raises(ValueError, MG, "frobnicate"),
)
case(
    "magics.backend-unknown",
    lambda: mod("magics").run_magic("backend nope", None, None),
    Raises(ValueError, "nope", None),
)
case(
    "magics.backend-two",
    lambda: mod("magics").run_magic("backend numpy mlx", None, None),
    Raises(ValueError, MG, "backend"),
)
case(
    "magics.compare-repeat-string",
    lambda: mod("magics").run_magic("compare --repeat x", "1 + 1", None),
    Raises(ValueError, MG, "repeat"),
)
case(
    "magics.compare-repeat-zero",
    lambda: mod("magics").run_magic("compare --repeat 0", "1 + 1", None),
    Raises(ValueError, MG, "repeat"),
)
case(
    "magics.compare-unknown-flag",
    lambda: mod("magics").run_magic("compare --fast", "1 + 1", None),
    Raises(ValueError, MG, "--fast"),
)
case(
    "magics.compare-unknown-backend",
    lambda: mod("magics").run_magic("compare --backends numpy,nope", "1 + 1", None),
    Raises(ValueError, "nope", None),
)
case(
    "magics.compare-unbalanced-quote",
    lambda: mod("magics").run_magic("compare --backends 'numpy", "1 + 1", None),
    Raises(ValueError, MG, None),
)
case(
    "magics.compare-print",
    lambda: [r.error for r in mod("magics").compare("print('hi')", {}).runs],
    Satisfies(lambda errs: all(e is None for e in errs), "no error when the cell ends in print()"),
)
case(
    "magics.compare-string",
    lambda: [r.error for r in mod("magics").compare("'a string'", {}).runs],
    Satisfies(lambda errs: all(e is None for e in errs), "no error when the cell ends in a string"),
)
case(
    "magics.compare-nan",
    lambda: [r.error for r in mod("magics").compare("import numpy as np\nnp.float64('nan')", {}).runs],
    Satisfies(lambda errs: all(e is None for e in errs), "NaN on every backend agrees with NaN"),
)
case(
    "magics.compare-empty",
    lambda: mod("magics").compare("", {}),
    Raises(ValueError, "compare", ("cell", "source", "empty")),
)
case(
    "magics.compare-repeat-arg",
    lambda: mod("magics").compare("1", {}, repeat=-1),
    Raises(ValueError, "compare", "repeat"),
)
case("magics.switch-unknown", lambda: mod("magics").switch_backend("nope"), Raises(ValueError, "nope", None))
case(
    "magics.max_abs_difference.shapes",
    lambda: mod("magics").max_abs_difference(np.ones(3), np.ones(4)),
    Raises(ValueError, "compare", "shapes"),
)

# --- exercise checkers --------------------------------------------------------------------------------------
KEYS = [
    "1.1",
    "1.2",
    "1.3",
    "1.4",
    "1.5",
    "1.6",
    "1.7",
    "2.1",
    "2.2",
    "2.3",
    "2.4",
    "2.5",
    "2.6",
    "2.7",
    "3.1",
    "3.2",
    "3.3",
    "3.4",
    "3.5",
    "3.6",
    "3.7",
    "4.1",
    "4.2",
    "4.3",
    "4.4",
    "4.5",
    "4.6",
    "4.7",
    "4.8",
    "5.1",
    "5.2",
    "5.3",
    "5.4",
    "5.5",
    "5.6",
    "5.7",
    "6.1",
    "6.2",
    "6.3",
    "6.4",
    "6.5",
    "6.6",
    "A.1",
    "A.2",
    "A.3",
    "A.4",
]


def _boom(*args, **kwargs):
    raise ZeroDivisionError("the reader's own bug")


JUNK_ANSWERS = {
    "nan": NAN,
    "inf": INF,
    "string": "forty-two",
    "returns-nan": lambda *a, **k: NAN,
    "raises": _boom,
    "complex": 1j,
    "huge-array": lambda *a, **k: np.zeros(10**8),
    "generator": lambda *a, **k: (x for x in [1.0]),
}


def _check(key, answer):
    return mod("exercises").check(key, answer)


def _not_correct(fb) -> bool:
    return type(fb).__name__ == "Feedback" and fb.state in ("not yet", "your turn") and bool(fb.message)


def _owner(key: str) -> str:
    return "ch5" if key.startswith("5.") else "mine"


for key in KEYS:
    for label, answer in JUNK_ANSWERS.items():
        case(
            f"exercises.check.{key}-{label}",
            lambda key=key, answer=answer: _check(key, answer),
            Satisfies(_not_correct, "'not yet' or 'your turn' with a message, never 'correct', never an exception"),
        )
case("exercises.check.unknown-key", lambda: _check("9.9", 1.0), Raises(KeyError, "9.9", None))
case("exercises.check.float-key", lambda: _check(1.1, 1.0), Raises(KeyError, "1.1", None))
case("exercises.check.none-key", lambda: _check(None, 1.0), Raises(KeyError, "None", None))
case(
    "exercises.check.loops-forever",
    lambda: _check("1.1", lambda a, b: [0 for _ in iter(int, 1)]),
    Satisfies(_not_correct, "'not yet' after the time limit"),
    timeout=30,
)
case(
    "exercises.check.1.4-nan-array",
    lambda: _check("1.4", lambda c: np.full(np.shape(c), NAN)),
    Satisfies(_not_correct, "not correct"),
)


def _f32(x):
    return np.float32(x) if np.ndim(x) == 0 else np.asarray(x, dtype=np.float32)


# correct answers computed in float32, as on MLX: they must be accepted
F32_RIGHT = {
    "1.1": lambda a, b: _f32(np.dot(_f32(a), _f32(b))),
    "1.2": lambda a, b: _f32(
        np.degrees(
            np.arccos(np.clip(np.dot(_f32(a), _f32(b)) / (np.linalg.norm(_f32(a)) * np.linalg.norm(_f32(b))), -1, 1))
        )
    ),
    "1.3": lambda a, b: _f32(np.dot(_f32(a), _f32(b)) / np.dot(_f32(b), _f32(b)) * _f32(b)),
    "1.4": lambda c: _f32(np.sqrt(np.maximum(2 - 2 * _f32(c), 0))),
    "3.1": lambda s, k: _f32(np.correlate(_f32(s), _f32(k), mode="valid")),
    "A.3": lambda n, bw: _f32(8 * n / (bw * 1e9)),
}
for key, answer in F32_RIGHT.items():
    case(
        f"exercises.check.{key}-float32-right",
        lambda key=key, answer=answer: _check(key, answer).state,
        Equals(lambda: "correct"),
    )

# --- the bench ------------------------------------------------------------------------------------------------
BR = "bench.run"
case(
    "bench.run.profile-unknown",
    lambda: dk.bench.run("nope"),
    Raises(ValueError, "bench", ("profile", "nope")),
    timeout=30,
)
case("bench.run.profile-int", lambda: dk.bench.run(5), Raises(ValueError, "bench", "profile"), timeout=30)
case(
    "bench.run.op-unknown",
    lambda: dk.bench.run("quick", ops=["frobnicate"]),
    Raises(ValueError, "bench", "frobnicate"),
    timeout=30,
)
case("bench.run.ops-string", lambda: dk.bench.run("quick", ops="dot"), Raises(ValueError, "bench", "ops"), timeout=30)
case(
    "bench.run.backend-unknown",
    lambda: dk.bench.run("quick", ops=["dot"], backends=["nope"]),
    Raises(ValueError, "nope", None),
    timeout=30,
)
case(
    "bench.run.keyword-unknown",
    lambda: dk.bench.run("quick", ops=["dot"], colour="red"),
    Raises(ValueError, "bench", "colour"),
    timeout=30,
)
case("bench.roof.negative", lambda: dk.bench.roof(-1.0, 100.0, 10.0), Raises(ValueError, "roof", "intensity"))
case("bench.roof.values", lambda: dk.bench.roof(2.0, 100.0, 10.0), Equals(lambda: 20.0))

BS = "bench"
# bench.run picks its own backends, so these run in the NumPy worker only; each one that is not
# refused measures for a second or two, which is also why the list is short.
for label, override in [
    ("budget-negative", {"budget_s": -1.0}),
    ("rounds-zero", {"rounds": 0}),
    ("sizes-empty", {"dot_sizes": ()}),
    ("sizes-negative", {"dot_sizes": (-5,)}),
    ("stream-huge", {"stream_elems": 10**13}),
    ("max-call-nan", {"max_call_s": math.nan}),
]:
    case(
        f"bench.run.{label}",
        lambda o=override: dk.bench.run("smoke", ops=["dot"], backends=["numpy"], **o),
        Raises((ValueError, MemoryError), BS, tuple(override)),
        timeout=30,
        backends=["numpy"],
    )
case(
    "bench.run.progress-string",
    lambda: dk.bench.run("smoke", ops=["dot"], backends=["numpy"], progress="yes"),
    Raises(TypeError, BS, "progress"),
    timeout=30,
    backends=["numpy"],
)
case("bench.roof.nan", lambda: dk.bench.roof(math.nan, 100.0, 10.0), Raises(ValueError, "roof", "intensity"))
case("bench.roof.zero-bandwidth", lambda: dk.bench.roof(2.0, 100.0, 0.0), Raises(ValueError, "roof", "bandwidth"))
case("bench.format_table.empty", lambda: dk.bench.format_table({}), Raises(ValueError, "format_table", "report"))

# --- backends, once more: names and types a reader may pass ---------------------------------------------
case("backends.use.int", lambda: dk.use_backend(3).__enter__(), Raises(ValueError, "backend", None))


def _nested() -> list[str]:
    with dk.use_backend("numpy"):
        return [dk.get_backend().name]


case("backends.use.nested", _nested, Equals(lambda: ["numpy"]))
case("backends.available.has-numpy", lambda: "numpy" in dk.available_backends(), Equals(lambda: True))
case("backends.to_numpy.object", lambda: dk.to_numpy(object()), Raises(TypeError, "to_numpy", "x"))
case("backends.to_numpy.list", lambda: dk.to_numpy([1.0, 2.0]), Equals(lambda: [1.0, 2.0]))

# --- magics, once more ------------------------------------------------------------------------------------------
case("magics.help", lambda: mod("magics").run_magic("", None, None), Equals(lambda: None))
case(
    "magics.compare-raises",
    lambda: [type(r.error).__name__ for r in mod("magics").compare("raise KeyError('x')", {}).runs],
    Satisfies(
        lambda names: names and all(n == "KeyError" for n in names), "the reader's own error, recorded per backend"
    ),
)
case(
    "magics.compare-duplicate-backends",
    lambda: [r.backend for r in mod("magics").compare("1", {}, backends=["numpy", "numpy"]).runs],
    Satisfies(lambda b: b in (["numpy"], ["numpy", "numpy"]), "one run per backend named"),
)
case(
    "magics.compare-backends-string",
    lambda: mod("magics").compare("1", {}, backends="numpy"),
    Raises(ValueError, "compare", "backends"),
)
case(
    "magics.format-empty",
    lambda: isinstance(mod("magics").format_table(mod("magics").Comparison([], None, 1)), str),
    Equals(lambda: True),
)
