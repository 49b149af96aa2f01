"""Matrix factorization on MovieLens-100k: accuracy and fit time.

``python -m dotkit.bench movielens`` fits ALS on a seeded 80/20 split of the
real ratings (the packaged copy, or ``--path DIR`` for GroupLens's own
files) and prints the held-out RMSE and MAE and the seconds the fit took
(every model's fit, summed). ``--synthetic`` runs the same on a
MovieLens-shaped planted set instead (943 users, 1,682 items, ~100k whole-star
ratings), for machines without the data.

The defaults are the model chapter 5 chooses on its validation split: 10
factors, the vectors penalised by ``λ n^α`` with ``λ = 1.25``, ``α = 1/2``,
the biases by a fixed ``λ_b = 3``, 8 epochs, and the average of two such fits
from seeds ``seed`` and ``seed + 1``; see
:func:`dotkit.datasets.movielens.load_movielens_100k` for where the data come from.

``--surprise`` also fits Surprise's ``SVD`` (scikit-surprise, defaults) on the
very same split, five times each (Surprise with ``random_state`` 0 to 4, dotkit's
pair from seeds 0 and 1, 2 and 3, ... 8 and 9), prints both models' mean RMSE,
its spread over the random starts and the median fit time, and stores them
(each run too, with the date, the versions and the machine's load) in the
package's ``data/movielens_surprise.json``, which chapter 5 reads with
:func:`load_surprise_comparison`. Surprise is never a dependency of the course:
``make bench-compare`` installs it in the throwaway ``.venv-compare`` only.

Example:
    >>> from dotkit.benchmarks.movielens import run
    >>> result = run()  # doctest: +SKIP
    >>> sorted(result)[:3]  # doctest: +SKIP
    ['backend', 'epochs', 'fit_s']
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

DEFAULTS = {"n_factors": 10, "reg": 1.25, "reg_exponent": 0.5, "bias_reg": 3.0, "epochs": 8, "n_models": 2}

#: ``--surprise`` stores its figures here, in the package's data folder, for chapter 5 to print.
SURPRISE_FILE = "movielens_surprise.json"


def _model(method: str, seed: int, bk: Any, **settings: Any) -> Any:
    from dotkit.models.mf import MatrixFactorization

    exponent = settings["reg_exponent"] if method == "als" else 1.0
    return MatrixFactorization(n_factors=settings["n_factors"], reg=settings["reg"], method=method,
                               seed=seed, backend=bk, bias_reg=settings["bias_reg"],
                               reg_exponent=exponent)


def _fit_and_score(
    users: Any,
    items: Any,
    ratings: Any,
    *,
    seed: int,
    method: str,
    backend: str | None,
    test_fraction: float,
    model_seed: int | None = None,
    **settings: Any,
) -> dict[str, Any]:
    """Fit ``n_models`` models and score their average.

    ``seed`` draws the split; the models start from seeds ``model_seed``,
    ``model_seed + 1``, ... (``model_seed`` defaults to ``seed``).
    """
    from dotkit.backends import get_backend
    from dotkit.datasets.movielens import split_ratings
    from dotkit.models.metrics import mae, rmse

    bk = get_backend(backend)
    train, test = split_ratings(users, items, ratings, test_fraction=test_fraction, seed=seed)
    low, high = float(min(ratings)), float(max(ratings))
    fit_s, preds = 0.0, []
    first = seed if model_seed is None else model_seed
    for k in range(settings["n_models"]):
        model = _model(method, first + k, bk, **settings)
        start = time.perf_counter()
        model.fit(*train, epochs=settings["epochs"], progress=False, record=False)
        bk.sync(model.user_factors, model.item_factors)  # fit syncs too; a lazy backend must finish
        fit_s += time.perf_counter() - start
        preds.append(bk.to_numpy(model.predict(test[0], test[1], clip=(low, high))))
    pred = sum(preds) / len(preds)
    return {
        "backend": bk.name,
        "method": method,
        **settings,
        "seed": seed,
        "model_seed": first,
        "n_train": len(train[2]),
        "n_test": len(test[2]),
        "rmse": rmse(test[2], pred, backend=bk),
        "mae": mae(test[2], pred, backend=bk),
        "fit_s": fit_s,
    }


def run(
    path: str | os.PathLike | None = None,
    seed: int = 0,
    *,
    method: str = "als",
    backend: str | None = None,
    test_fraction: float = 0.2,
    synthetic: bool = False,
    **settings: Any,
) -> dict[str, Any]:
    """Fit on a seeded split of MovieLens-100k (or the synthetic stand-in) and score it.

    Args:
        path: folder with ``u.data`` and ``u.item`` (None: the packaged copy, else the fetch cache).
        seed: seeds the split and the model.
        synthetic: use :func:`make_ratings` shaped like MovieLens instead of the files.
        settings: any of :data:`DEFAULTS` (``n_factors``, ``reg``, ``reg_exponent``,
            ``bias_reg``, ``epochs``, ``n_models``) to override.

    Returns:
        ``{"rmse", "mae", "fit_s", "n_train", "n_test", "backend", ...}``.
    """
    from dotkit.datasets.movielens import load_movielens_100k, make_ratings

    if synthetic:
        data = make_ratings(943, 1682, n_factors=10, density=0.063, seed=seed, noise=0.85,
                            signal=0.6, stars=True)
        source = "synthetic MovieLens-shaped (make_ratings)"
    else:
        data = load_movielens_100k(path)
        source = str(data.path)
    unknown = set(settings) - set(DEFAULTS)
    if unknown:
        from dotkit.errors import InputValueError

        raise InputValueError(f"movielens.run: unknown settings {sorted(unknown)}; known: {sorted(DEFAULTS)}")
    result = _fit_and_score(data.users, data.items, data.ratings, seed=seed, method=method,
                            backend=backend, test_fraction=test_fraction, **{**DEFAULTS, **settings})
    result["data"] = source
    return result


def surprise_svd(train: tuple[Any, Any, Any], test: tuple[Any, Any, Any], seed: int = 0) -> dict[str, Any]:
    """Fit Surprise's ``SVD`` (its defaults) on ``train`` and score it on ``test``.

    Raises ImportError when scikit-surprise is not installed (it is not a
    course dependency; ``make bench-compare`` installs it in a throwaway venv).
    """
    import tempfile

    import numpy as np
    from surprise import SVD, Dataset, Reader  # type: ignore[import-not-found]

    from dotkit.models.metrics import mae, rmse

    with tempfile.TemporaryDirectory() as tmp:  # Surprise reads text files without pandas
        path = os.path.join(tmp, "train.tsv")
        with open(path, "w") as fh:
            for u, i, r in zip(*(np.asarray(a).tolist() for a in train)):
                fh.write(f"{u}\t{i}\t{r}\n")
        reader = Reader(line_format="user item rating", sep="\t", rating_scale=(1, 5))
        trainset = Dataset.load_from_file(path, reader=reader).build_full_trainset()
    algo = SVD(random_state=seed)
    start = time.perf_counter()
    algo.fit(trainset)
    fit_s = time.perf_counter() - start
    pred = np.array([algo.predict(str(u), str(i)).est for u, i in zip(test[0], test[1])])
    model = (f"Surprise SVD (defaults: {algo.n_factors} factors, {algo.n_epochs} SGD epochs, "
             f"lr {algo.lr_bu}, reg {algo.reg_bu})")
    return {"model": model, "rmse": rmse(test[2], pred), "mae": mae(test[2], pred), "fit_s": fit_s}


def _summary(model: str, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean RMSE and MAE over ``runs``, the RMSE's spread, the median fit seconds, and the runs."""
    import statistics

    rmses = [r["rmse"] for r in runs]
    return {"model": model, "rmse": statistics.fmean(rmses),
            "rmse_sd": statistics.stdev(rmses) if len(rmses) > 1 else 0.0,
            "rmse_min": min(rmses), "rmse_max": max(rmses),
            "mae": statistics.fmean(r["mae"] for r in runs),
            "fit_s": statistics.median(r["fit_s"] for r in runs),
            "runs": [{"seed": r.get("model_seed", r["seed"]), "rmse": r["rmse"], "mae": r["mae"],
                      "fit_s": r["fit_s"]} for r in runs]}


def compare_surprise(path: str | os.PathLike | None = None, seed: int = 0,
                     repeats: int = 5) -> list[dict[str, Any]]:
    """dotkit's ALS and Surprise's SVD on one seeded 80/20 split, over ``repeats`` random starts.

    Run ``r`` fits dotkit's pair from seeds ``2r`` and ``2r + 1`` and Surprise's
    ``SVD`` with ``random_state=r``, the two alternated so that both meet the same
    load. Each model's record holds the mean RMSE and MAE, the RMSE's standard
    deviation, smallest and largest over the runs, the median fit seconds, and
    every run (``seed`` there is the run's first model seed or random_state).
    """
    from dotkit.datasets.movielens import load_movielens_100k, split_ratings

    data = load_movielens_100k(path)
    train, test = split_ratings(data.users, data.items, data.ratings, test_fraction=0.2, seed=seed)
    ours: list[dict[str, Any]] = []
    theirs: list[dict[str, Any]] = []
    for r in range(max(1, repeats)):
        ours.append(_fit_and_score(data.users, data.items, data.ratings, seed=seed, model_seed=2 * r,
                                   method="als", backend="numpy", test_fraction=0.2, **DEFAULTS))
        theirs.append({**surprise_svd(train, test, r), "seed": r})
    one = ours[0]
    name = (f"dotkit ALS (f={one['n_factors']}, λ={one['reg']}·n^{one['reg_exponent']}, "
            f"λ_b={one['bias_reg']}, {one['epochs']} epochs, mean of {one['n_models']})")
    summary = [_summary(name, ours), _summary(theirs[0]["model"], theirs)]
    summary[0].update(n_train=one["n_train"], n_test=one["n_test"], backend=one["backend"])
    return summary


def _versions() -> dict[str, str]:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for package in ("dotkit", "numpy", "scikit-surprise"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = "not installed"
    return found


def _stored_path(path: str | os.PathLike | None) -> Path:
    if path is not None:
        return Path(path)
    from importlib.resources import files

    return Path(str(files("dotkit").joinpath("data", SURPRISE_FILE)))


def write_surprise_comparison(results: Sequence[dict[str, Any]], path: str | os.PathLike | None = None,
                              *, seed: int = 0,
                              load_before: float | None = None) -> Path:
    """Store :func:`compare_surprise`'s figures as JSON, by default in the package's data folder.

    Chapter 5 prints them with :func:`load_surprise_comparison`, so a reader
    sees Surprise's figure on the chapter's own split without installing it.
    The record says when, with which versions and on how loaded a machine the
    fits were timed, since fit seconds belong to that machine and that moment;
    ``load_before`` is the one-minute load average read before the fits began
    (read afterwards, it would count the fits themselves).
    """
    import platform
    from datetime import UTC, datetime

    keep = ("model", "rmse", "rmse_sd", "rmse_min", "rmse_max", "mae", "fit_s", "runs")
    n_runs = len(results[0].get("runs", [])) or 1
    record = {
        "written_by": "python -m dotkit.bench movielens --surprise (make bench-compare)",
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "split": {"test_fraction": 0.2, "seed": seed, "n_train": results[0].get("n_train"),
                  "n_test": results[0].get("n_test")},
        "timing": f"median of {n_runs} fits of each model (one per random start), the two alternated; "
                  f"dotkit's backend {results[0].get('backend')}",
        "machine": {"cpus": os.cpu_count(), "arch": platform.machine(),
                    "load_average_1min_before": None if load_before is None else round(load_before, 2)},
        "versions": _versions(),
        "models": [{k: r[k] for k in keep if k in r} for r in results],
    }
    where = _stored_path(path)
    where.write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return where


def load_surprise_comparison(path: str | os.PathLike | None = None) -> dict[str, Any]:
    """The figures :func:`write_surprise_comparison` stored (the packaged copy by default).

    Raises:
        DataNotFoundError: no such file (``make bench-compare`` writes it).
        DataFormatError: the file is not such a record.
    """
    from dotkit.errors import DataFormatError, DataNotFoundError

    source = _stored_path(path)
    try:
        record = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataNotFoundError(f"load_surprise_comparison: no stored comparison at path={str(source)!r}; "
                                "`make bench-compare` writes it") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFormatError(f"load_surprise_comparison: {source} is not JSON ({exc})") from None
    models = record.get("models") if isinstance(record, dict) else None
    if not (isinstance(models, list) and len(models) == 2
            and all(isinstance(m, dict) and {"model", "rmse", "fit_s"} <= set(m) for m in models)):
        raise DataFormatError(f"load_surprise_comparison: {source} holds no two models with "
                              "'model', 'rmse' and 'fit_s'")
    return record


def bench_epoch(backend: str, quick: bool = False, smoke: bool = False) -> dict[str, Any]:
    """Seconds per ALS epoch on a MovieLens-shaped synthetic set (for ``dotkit.bench``).

    ``smoke`` and ``quick`` shrink the set so that a test run stays short.
    """
    from dotkit.backends import get_backend
    from dotkit.benchmarks.timing import time_call
    from dotkit.datasets.movielens import make_ratings

    n_users, n_items = (100, 150) if smoke else (400, 700) if quick else (943, 1682)
    data = make_ratings(n_users, n_items, n_factors=10, density=0.063, seed=0, stars=True)
    bk = get_backend(backend)
    model = _model("als", 0, bk, **DEFAULTS)
    t0 = time.perf_counter()
    model.fit(data.users, data.items, data.ratings, epochs=1, progress=False)
    first = time.perf_counter() - t0
    def fit_again() -> Any:
        return model.fit(data.users, data.items, data.ratings, epochs=1, progress=False, record=False)

    t = time_call(fit_again, sync=lambda m: bk.sync(m.user_factors, m.item_factors), repeats=3,
                  budget_s=max(1.0, 4 * first))
    return {"size": f"{n_users}x{n_items}, {len(data)} ratings, f={DEFAULTS['n_factors']}",
            "dotkit_s": t.median, "ratings_per_s": len(data) / t.median}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m dotkit.bench movielens",
        description="Fit ALS matrix factorization on a seeded 80/20 split of MovieLens-100k "
        "and report held-out RMSE, MAE and the fit time.",
    )
    p.add_argument("--path", help="folder with u.data and u.item (default: the packaged copy)")
    p.add_argument("--synthetic", action="store_true", help="use a MovieLens-shaped synthetic set")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument(
        "--backend", default=None, help="numpy, mlx, ... (default: DOTKIT_BACKEND or auto)"
    )
    p.add_argument("--method", choices=("als", "sgd"), default="als")
    p.add_argument("--factors", type=int, default=DEFAULTS["n_factors"])
    p.add_argument("--reg", type=float, default=DEFAULTS["reg"])
    p.add_argument("--reg-exponent", type=float, default=DEFAULTS["reg_exponent"],
                   help="α in the penalty λ·n^α (ALS)")
    p.add_argument("--bias-reg", type=float, default=DEFAULTS["bias_reg"])
    p.add_argument("--epochs", type=int, default=DEFAULTS["epochs"])
    p.add_argument("--models", type=int, default=DEFAULTS["n_models"],
                   help="how many seeded fits to average")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--surprise", action="store_true",
                   help="also fit Surprise's SVD on the same split (needs scikit-surprise) and "
                   "store both models' figures for chapter 5")
    p.add_argument("--surprise-out", default=None,
                   help=f"where --surprise stores them (default: the package's data/{SURPRISE_FILE})")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m dotkit.bench movielens ...``; returns the exit status."""
    from dotkit.errors import DataNotFoundError

    args = _parser().parse_args(list(argv) if argv is not None else None)
    if args.surprise:
        load_before = os.getloadavg()[0]
        try:
            results = compare_surprise(args.path, args.seed)
        except ImportError as exc:
            print(f"movielens: Surprise is not installed ({exc}); `make bench-compare` installs it")
            return 2
        for r in results:
            print(f"{r['model']:72s} RMSE {r['rmse']:.4f} ± {r.get('rmse_sd', 0.0):.4f} (s.d. over "
                  f"{len(r.get('runs', [])) or 1} random starts)   MAE {r['mae']:.4f}   "
                  f"fit {r['fit_s']:.2f} s (median)")
        stored = write_surprise_comparison(results, args.surprise_out, seed=args.seed, load_before=load_before)
        print(f"stored in {stored}")
        return 0
    try:
        result = run(args.path, args.seed, n_factors=args.factors, reg=args.reg, epochs=args.epochs,
                     reg_exponent=args.reg_exponent, bias_reg=args.bias_reg, n_models=args.models,
                     method=args.method, backend=args.backend, synthetic=args.synthetic)
    except DataNotFoundError as exc:
        print(f"movielens: {exc}")
        return 2
    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"data: {result['data']}")
    print(f"{result['method'].upper()} on {result['backend']}: {result['n_factors']} factors, "
          f"reg={result['reg']}·n^{result['reg_exponent']}, {result['epochs']} epochs, "
          f"mean of {result['n_models']}, {result['n_train']} train / "
          f"{result['n_test']} test ratings")
    print(f"RMSE {result['rmse']:.4f}   MAE {result['mae']:.4f}   fit {result['fit_s']:.2f} s")
    return 0 if math.isfinite(result["rmse"]) else 1


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
