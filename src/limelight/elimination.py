"""Moved to :mod:`limelight.inspection.elimination`; this path stays for one release."""

from .inspection.elimination import *  # noqa: F403
from .inspection.elimination import Elimination, eliminate  # noqa: F401
