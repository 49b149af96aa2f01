"""How big and how long: the sizes and time budgets of a bench run, by profile.

``smoke`` takes seconds and exists so that the tests run every benchmark;
``quick`` takes about a minute; ``full`` (the default of ``python -m dotkit.bench``)
uses the sizes the chapters talk about: the 8×64×56×56 ResNet layer, attention
over 8×12×512×64, 1000 sentences through MiniLM.

Example:
    >>> from dotkit.benchmarks.profiles import resolve_profile
    >>> resolve_profile("smoke", {"dot_sizes": (1000,)}).dot_sizes
    (1000,)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from dotkit._memory import check_allocation
from dotkit.errors import InputValueError


@dataclasses.dataclass(frozen=True)
class Profile:
    """Sizes and time budgets of one bench run.

    Attributes:
        name: ``"smoke"`` (seconds, for tests), ``"quick"`` or ``"full"``.
        stream_elems: float32 elements per array of the copy and add kernels.
        sgemm_n: largest side of the square float32 product that measures sgemm.
        dot_sizes: vector lengths for ``dot``.
        matmul_sizes: square sizes for ``matmul``.
        batched: ``(batch, m, k, n)`` shapes for batched ``matmul``.
        attention: ``(batch, heads, L, d)`` with ``S = L``.
        conv: ``(N, C_in, C_out, H = W)`` of a 3×3 convolution with padding 1.
        minilm_sentences: sentences encoded by the MiniLM benchmark.
        rounds: alternated rounds when dotkit is timed against another library
            (PyTorch, sentence-transformers); each round gives one ratio.
        budget_s: seconds spent measuring one call (roughly).
        max_call_s: a call predicted to take longer than this is skipped.
    """

    name: str
    stream_elems: int
    sgemm_n: int
    dot_sizes: tuple[int, ...]
    matmul_sizes: tuple[int, ...]
    batched: tuple[tuple[int, int, int, int], ...]
    attention: tuple[int, int, int, int]
    conv: tuple[int, int, int, int]
    minilm_sentences: int
    rounds: int
    budget_s: float
    max_call_s: float


_RESNET_LAYER = (8, 64, 64, 56)  # the first residual stage of ResNet-18/34, batch 8

PROFILES = {
    "smoke": Profile(
        name="smoke", stream_elems=1 << 20, sgemm_n=128, dot_sizes=(1_000, 10_000), matmul_sizes=(32, 64),
        batched=((4, 16, 16, 16),), attention=(1, 2, 32, 16), conv=(1, 4, 4, 16), minilm_sentences=2,
        rounds=3, budget_s=0.02, max_call_s=0.2,
    ),
    "quick": Profile(
        name="quick", stream_elems=1 << 24, sgemm_n=2048,
        dot_sizes=(1_000, 10_000, 100_000, 1_000_000, 10_000_000), matmul_sizes=(64, 256, 1024, 2048),
        batched=((64, 128, 128, 128), (96, 512, 64, 512)), attention=(2, 12, 256, 64), conv=_RESNET_LAYER,
        minilm_sentences=100, rounds=3, budget_s=0.25, max_call_s=1.0,
    ),
    "full": Profile(
        name="full", stream_elems=1 << 25, sgemm_n=4096,
        dot_sizes=(1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000),
        matmul_sizes=(64, 128, 256, 512, 1024, 2048, 4096), batched=((64, 128, 128, 128), (96, 512, 64, 512)),
        attention=(8, 12, 512, 64), conv=_RESNET_LAYER, minilm_sentences=1000, rounds=5, budget_s=1.0,
        max_call_s=1.5,
    ),
}


def resolve_profile(profile: str | Profile, overrides: dict[str, Any] | None = None) -> Profile:
    """A :class:`Profile` from its name (or itself), with some fields replaced.

    Raises:
        InputValueError: for a name not in :data:`PROFILES` or a field :class:`Profile` does not have.
    """
    if not isinstance(profile, (str, Profile)):
        raise InputValueError(
            f"bench: profile must be one of {', '.join(PROFILES)} or a Profile; received {type(profile).__name__} "
            f"{profile!r:.60}"
        )
    if isinstance(profile, str):
        if profile not in PROFILES:
            raise InputValueError(f"bench: unknown profile {profile!r}; choose from {', '.join(PROFILES)}")
        profile = PROFILES[profile]
    fields = {f.name for f in dataclasses.fields(Profile)}
    unknown = sorted(set(overrides or {}) - fields)
    if unknown:
        raise InputValueError(f"bench: unknown profile field(s) {unknown}; choose from {', '.join(sorted(fields))}")
    prof = dataclasses.replace(profile, **overrides) if overrides else profile
    check_profile(prof)
    return prof


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


def _shapes(value: Any, rank: int | None) -> bool:
    """A non-empty tuple of positive counts (``rank`` of them when given)."""
    return (isinstance(value, (tuple, list)) and len(value) > 0 and (rank is None or len(value) == rank)
            and all(_count(v) for v in value))


def check_profile(prof: Profile) -> None:
    """Refuse, before anything is measured, sizes and budgets no benchmark can run with.

    Example:
        >>> check_profile(PROFILES["smoke"])
    """
    bad = [f for f in ("stream_elems", "sgemm_n", "minilm_sentences", "rounds") if not _count(getattr(prof, f))]
    bad += [f for f in ("dot_sizes", "matmul_sizes") if not _shapes(getattr(prof, f), None)]
    bad += [f for f in ("attention", "conv") if not _shapes(getattr(prof, f), 4)]
    if not (isinstance(prof.batched, (tuple, list)) and prof.batched and all(_shapes(b, 4) for b in prof.batched)):
        bad.append("batched")
    for f in ("budget_s", "max_call_s"):
        v = getattr(prof, f)
        if not (isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v > 0):
            bad.append(f)
    if bad:
        got = ", ".join(f"{f}={getattr(prof, f)!r:.60}" for f in bad)
        raise InputValueError(
            f"bench: profile {prof.name!r} has sizes or budgets no benchmark can use: {got} (counts and sizes "
            "must be whole numbers >= 1, sizes a non-empty tuple, budget_s and max_call_s finite seconds > 0)"
        )
    # the copy and add kernels hold three float32 vectors of stream_elems entries
    check_allocation("bench", 3 * 4 * prof.stream_elems, f"the stream vectors (stream_elems={prof.stream_elems})",
                     "use a smaller stream_elems")


__all__ = ["PROFILES", "Profile", "check_profile", "resolve_profile"]
