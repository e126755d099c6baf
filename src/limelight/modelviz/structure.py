"""The structure of a model as a tree of nodes: scikit-learn pipelines (steps, the
columns a ``ColumnTransformer`` routes to each branch, fitted facts) and torch modules
(the module tree, output shapes from one forward pass, parameter counts).

    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.linear_model import LogisticRegression
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(20, 3))
    >>> pipe = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, X[:, 0] > 0)
    >>> s = model_structure(pipe)
    >>> [n.type for n in s.nodes], s.nodes[2].params
    (['Pipeline', 'StandardScaler', 'LogisticRegression'], 4)
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..models._detect import is_torch_module
from . import _sklearn, _torch


@dataclass
class Node:
    """One step or layer. ``params`` counts this node and everything below it (unique
    tensors for torch); ``own_params`` only what it holds itself. A torch layer used in
    two places appears at both, the second with ``shared_with`` naming the first (its
    parameters counted once in the totals)."""

    id: str
    name: str
    type: str
    parent: str | None
    depth: int
    params: int | None = None
    own_params: int | None = None
    trainable: int | None = None
    output_shape: list | None = None
    columns: list[str] | None = None
    facts: dict[str, Any] = field(default_factory=dict)
    shared_with: str | None = None  # a layer used twice: where it first appears
    signature: str = ""

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


@dataclass
class Structure:
    """A model's tree: ``nodes`` in depth-first order (parents before children)."""

    kind: str  # "sklearn" | "torch"
    nodes: list[Node]
    total_params: int | None = None
    trainable_params: int | None = None
    title: str = ""

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise InputError(
            f"no layer or step named {node_id!r}", fix="use a name from .to_frame()['name']"
        )

    def to_frame(self):
        """One row per layer or step: name, type, output shape, parameters, trainable."""
        import pandas as pd

        rows = [
            {
                "name": n.id,
                "type": n.type,
                "depth": n.depth,
                "output_shape": None if n.output_shape is None else tuple(n.output_shape),
                "parameters": n.params,
                "own_parameters": n.own_params,
                "trainable": n.trainable,
                "columns": n.columns,
                "shared_with": n.shared_with,
            }
            for n in self.nodes
        ]
        return pd.DataFrame(rows)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "title": self.title,
            "total_params": self.total_params,
            "trainable_params": self.trainable_params,
            "nodes": [n.to_dict() for n in self.nodes],
        }


def _sign(nodes: list[Node]) -> None:
    """Give every node a signature (its type, its own facts and its children's signatures):
    equal signatures mark repeated blocks ("12 × BertLayer") the view collapses."""
    kids: dict[str | None, list[Node]] = {}
    for n in nodes:
        kids.setdefault(n.parent, []).append(n)
    for n in reversed(nodes):  # children come after parents: reversed is bottom-up
        below = ",".join(c.signature for c in kids.get(n.id, []))
        text = f"{n.type}|{n.own_params}|{n.output_shape if n.depth else ''}|{below}"
        n.signature = hashlib.blake2b(text.encode(), digest_size=6).hexdigest()


def model_structure(model: Any, example: Any = None) -> Structure:
    """The structure of a scikit-learn estimator or a torch module (``example``: one input
    batch for torch, to record output shapes)."""
    if is_torch_module(model):
        nodes, total, trainable = _torch.nodes(model, example)
        s = Structure("torch", [Node(**d) for d in nodes], total, trainable, type(model).__name__)
    elif hasattr(model, "get_params"):
        if example is not None:
            raise InputError(
                "example= is for torch modules", fix="call ll.structure(pipe) without example"
            )
        nodes = _sklearn.nodes(model)
        total = sum(d["own_params"] or 0 for d in nodes)
        s = Structure("sklearn", [Node(**d) for d in nodes], total, None, type(model).__name__)
    else:
        raise InputError(
            f"cannot read the structure of a {type(model).__name__}",
            fix="pass a scikit-learn estimator or pipeline, or a torch.nn.Module",
        )
    _sign(s.nodes)
    return s
