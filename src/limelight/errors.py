"""Exceptions limelight raises for bad input, failing models and cancelled runs.

Every message says what was wrong and what would work instead::

    >>> from limelight.errors import InputError
    >>> raise InputError("x has 3 features but the model expects 4", fix="pass one row of 4")
    Traceback (most recent call last):
    ...
    limelight.errors.InputError: x has 3 features but the model expects 4. Fix: pass one row of 4.
"""

from __future__ import annotations


class LimelightError(Exception):
    """Base class of every error limelight raises on purpose: ``problem`` says what was
    wrong, ``fix`` what would work, and the message is both.

        >>> import numpy as np, limelight as ll
        >>> try:
        ...     ll.attribute(lambda B: B.sum(1), np.ones(3), background=np.ones((5, 4)))
        ... except ll.LimelightError as err:
        ...     print(type(err).__name__, "|", err.problem, "|", err.fix)
        InputError | x has 3 features but the background has 4 | pass background rows with the same columns as x
    """

    def __init__(self, problem: str, *, fix: str | None = None) -> None:
        self.problem = problem.rstrip(".")
        self.fix = fix.rstrip(".") if fix else None
        message = self.problem + "."
        if self.fix:
            message += f" Fix: {self.fix}."
        super().__init__(message)


class InputError(LimelightError, ValueError):
    """The instance, background or options given to an explainer cannot be used."""


class ModelError(LimelightError, RuntimeError):
    """The model raised, or returned something that is not a batch of outputs."""


class MethodError(LimelightError, ValueError):
    """The chosen method cannot explain this model or input (the message names one that can)."""


class SchemaError(LimelightError, ValueError):
    """A saved explanation file is not limelight's, is truncated, or is of an unknown version."""


class Cancelled(LimelightError):
    """The run was cancelled before it finished; the latest partial result is kept."""


class WaitTimeout(LimelightError, TimeoutError):
    """``.wait(timeout=...)`` gave up; the run goes on (``.explanation`` holds its latest)."""
