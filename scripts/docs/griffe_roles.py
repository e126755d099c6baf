"""A griffe extension for the API pages: the docstrings' reStructuredText roles
(``:class:`Explanation```, ``:func:`attribute```, ``:mod:`...```) become code spans, and
``.. note::``-free prose stays Markdown (double backticks already render as code)."""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|func|meth|mod|data|attr|exc|obj):`~?([^`]+)`")


class RolesToCode(griffe.Extension):
    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(lambda m: f"`{m.group(1)}`", obj.docstring.value)
