"""Moved to :mod:`limelight.encoders.charts`; this path stays for one release."""

from .encoders.charts import *  # noqa: F403
from .encoders.charts import (  # noqa: F401
    SPECS_FILE,
    bar_chart,
    bar_rows,
    importance_chart,
    specs,
    tabular_chart,
    waterfall_chart,
    waterfall_rows,
    write_specs,
)
