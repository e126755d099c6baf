"""Deprecated: the standard quality metrics moved to :mod:`limelight.quality.metrics`.

This path keeps working for one release (it is that module, under its old name) and warns
once on import."""

import sys
import warnings

from .quality import metrics

warnings.warn(
    "limelight.quality_metrics moved to limelight.quality.metrics; import it from there "
    "(the old path goes in the next release)",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = metrics
