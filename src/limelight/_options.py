"""Process-wide switches: ``limelight.options``.

>>> from limelight._options import options
>>> options.static_pictures in (True, False)
True
"""

from __future__ import annotations

import os


class Options:
    """``static_pictures``: every displayed widget leaves a static picture and an honest
    line of text in its output, for readers that run no widgets (default on; off with
    ``LIMELIGHT_STATIC_PICTURES=0`` or ``limelight.options.static_pictures = False``)."""

    def __init__(self) -> None:
        flag = os.environ.get("LIMELIGHT_STATIC_PICTURES", "1").strip().lower()
        self.static_pictures = flag not in ("0", "false", "no", "off")

    def __repr__(self) -> str:
        return f"limelight.options(static_pictures={self.static_pictures})"


options = Options()
