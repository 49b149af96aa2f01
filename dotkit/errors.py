"""The exceptions dotkit raises.

Each one also inherits the builtin a user would naturally catch, so
``except ValueError`` keeps working around dotkit calls. Messages name the
op, the argument and what was received::

    dot: expected vectors of equal length; received a.shape=(3,), b.shape=(4,)
"""

from __future__ import annotations


class DotkitError(Exception):
    """Base class of every error dotkit raises on purpose."""


class ShapeError(DotkitError, ValueError):
    """Arrays whose ranks or dimensions do not fit the op."""


class DtypeError(DotkitError, TypeError):
    """Input that is not a real numeric array (strings, objects, complex...)."""


class InputValueError(DotkitError, ValueError):
    """A value out of range: k > n, stride <= 0, non-finite data, bad ids..."""


class BackendError(DotkitError, ValueError):
    """An unknown backend name, or arrays of several backends mixed in one call."""


class BackendNotInstalledError(DotkitError, ImportError):
    """A known backend whose library is not installed."""


class DataNotFoundError(DotkitError, FileNotFoundError):
    """A data set that is neither installed nor at the path given."""


class DataFormatError(DotkitError, ValueError):
    """A data file that does not parse; the message names the file and line."""


class MemoryLimitError(DotkitError, MemoryError):
    """An op that would allocate more than the machine has free, refused before it starts."""


class NotFittedError(DotkitError, RuntimeError):
    """A model method that needs the model's ``fit`` to have run first."""


class FitError(DotkitError, ArithmeticError):
    """A fit that could not finish (a singular system, a loss that stopped being finite).

    The model is left exactly as it was before the call.
    """


class UnknownExerciseError(DotkitError, KeyError):
    """An exercise id that no chapter registers (also a ``KeyError``); the message lists the chapter's ids."""

    def __str__(self) -> str:  # KeyError would show the message in quotes
        return str(self.args[0]) if self.args else ""


class UnknownWordError(DotkitError, KeyError):
    """A word that is not in the vocabulary; the message suggests close spellings."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class MagicUsageError(DotkitError, ValueError):
    """A ``%dotkit`` command that cannot be understood."""


# Signals inside the exercise checkers: check() catches them and turns them into
# feedback, so a reader sees a hint, never one of these.


class NotYet(Exception):
    """Raised by a checker with a hint when the answer is not right yet."""


class YourTurn(NotYet):
    """Raised when the answer is still the stub: the exercise has not been tried."""


class CheckTimedOut(BaseException):
    """The reader's code ran past the time limit (a BaseException, so ``except Exception`` cannot eat it)."""


__all__ = [
    "BackendError",
    "BackendNotInstalledError",
    "CheckTimedOut",
    "DataFormatError",
    "DataNotFoundError",
    "DotkitError",
    "DtypeError",
    "FitError",
    "InputValueError",
    "MagicUsageError",
    "MemoryLimitError",
    "NotFittedError",
    "NotYet",
    "ShapeError",
    "UnknownExerciseError",
    "UnknownWordError",
    "YourTurn",
]
