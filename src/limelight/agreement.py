"""Moved to :mod:`limelight.inspection.agreement`; this path stays for one release."""

from .inspection.agreement import *  # noqa: F403
from .inspection.agreement import TOP_K, Comparison, agreement, table  # noqa: F401
