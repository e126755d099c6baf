"""What the standard metrics need of an explanation: its explained output's values, the
players the curves hide, and (tabular rows) a way to run its method again: at another
point (max-sensitivity), with other seeds (stability), or on a copy of a torch module
with re-drawn layers (randomisation). The user's model, explainer and row are never
changed: reruns go through copies and :meth:`TabularContext.row`."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import MethodError


def _row(exp: Any, name: str) -> np.ndarray:
    names = list(exp.output_names)
    i = names.index(name) if name in names else 0
    return np.asarray(exp.values[i], float).reshape(-1)


@dataclass(eq=False)
class Source:
    """The explanation ``exp`` as its plan made it (``plan`` None: loaded from a file)."""

    plan: Any
    exp: Any
    players_builder: Any = None

    @property
    def output(self) -> str:
        return self.exp.output_names[self.exp.output_index(None)]

    @property
    def phi(self) -> np.ndarray:
        return _row(self.exp, self.output)

    def players(self) -> Any:
        if self.players_builder is None:
            raise MethodError(
                "faithfulness correlation hides players with the model; this explanation "
                "has no model attached (loaded from a file, or a global importance)",
                fix="compute it on the result of ll.attribute",
            )
        return self.players_builder()

    def rerun(self, metric: str) -> Rerun:
        ctx = getattr(self.plan, "model", None)
        modality = self.exp.modality
        if ctx is not None and modality == "image":
            return ImageRerun(self.plan, self.exp, self.output)
        if ctx is not None and modality == "text":
            if metric != "stability":
                raise MethodError(
                    f"{metric} perturbs the input or re-draws the model's weights; a text's "
                    "tokens have no small perturbation, and limelight re-draws weights of "
                    "torch image and tabular models only",
                    fix="use stability (other seeds) or faithfulness_correlation on a text",
                )
            return Rerun(self.plan, self.exp, self.output)
        if modality != "tabular" or not hasattr(ctx, "row"):
            raise MethodError(
                f"{metric} re-runs the explanation's method; limelight does that for "
                f"rows, texts and images explained by ll.attribute (this is a {modality} one"
                f"{'' if ctx is not None else ', without its model'})",
                fix="compute it on the result of ll.attribute",
            )
        return TabularRerun(self.plan, self.exp, self.output)


class Rerun:
    """The plan's explainer run again: with other seeds (every modality)."""

    def __init__(self, plan: Any, exp: Any, output: str) -> None:
        self.plan, self.exp, self.output = plan, exp, output
        self.method = exp.method
        self.phi = _row(exp, output)
        i = list(exp.output_names).index(output)
        self.delta = float(abs(exp.prediction[i] - exp.base_values[i]))

    def _explain(self, model: Any, inst: Any, explainer: Any = None) -> np.ndarray:
        ex = explainer if explainer is not None else self.plan.explainer
        return _row(ex.explain(model, inst), self.output)

    def seeded_runs(self, k: int) -> tuple[list[int] | None, list[np.ndarray]]:
        """``k`` runs (the explanation's own first): other seeds for a sampling method,
        the same options again for a deterministic one."""
        ex, runs = self.plan.explainer, [self.phi]
        seed = getattr(ex, "random_state", None)
        if not isinstance(seed, (int, np.integer)):
            for _ in range(k - 1):
                runs.append(self._explain(self.plan.model, self.plan.instance))
            return None, runs
        seeds = [int(seed) + s for s in range(k)]
        for s in seeds[1:]:
            other = copy.copy(ex)
            other.random_state = s
            runs.append(self._explain(self.plan.model, self.plan.instance, other))
        return seeds, runs

    def randomised(self, seed: int) -> Iterator[tuple[str, np.ndarray]]:
        raise MethodError(
            "randomisation re-draws a torch module's weights layer by layer; this "
            f"{self.exp.modality} model is not one limelight re-draws",
            fix="explain a torch nn.Module on rows or images",
        )


def redraw_layers(torch: Any, module: Any, seed: int) -> Iterator[str]:
    """Re-draw each parameterised layer of ``module`` (a copy), from the output layer down,
    cumulatively, yielding its name after each; the global torch generator is restored."""
    layers = [
        (name or type(m).__name__, m)
        for name, m in module.named_modules()
        if next(m.parameters(recurse=False), None) is not None
    ][::-1]
    if not layers:
        raise MethodError("the module has no parameters to re-draw", fix="explain a network")
    for step, (name, layer) in enumerate(layers):
        with torch.random.fork_rng(devices=[]), torch.no_grad():
            torch.manual_seed(seed + step)
            if hasattr(layer, "reset_parameters"):
                layer.reset_parameters()
            else:
                for p in layer.parameters(recurse=False):
                    p.normal_(0.0, float(p.std()) if p.numel() > 1 else 0.1)
        yield name


class ImageRerun(Rerun):
    """An image explanation run again: at a perturbed input (the same picture and
    segments, the model input moved), with other seeds, or on a copy of a torch module."""

    def numeric_point(self, scale: Any) -> tuple[np.ndarray, np.ndarray]:
        """The model input, flat, and each value's perturbation scale (the input's std
        over all its values, or 1)."""
        x = np.asarray(self.plan.instance.input, float).reshape(-1)
        s = float(x.std()) if scale == "std" else 1.0
        return x, np.full(len(x), s or 1.0)

    def at(self, x: np.ndarray) -> np.ndarray:
        import dataclasses

        inst = self.plan.instance
        moved = x.reshape(inst.input.shape).astype(inst.input.dtype)
        return self._explain(self.plan.model, dataclasses.replace(inst, input=moved))

    def randomised(self, seed: int) -> Iterator[tuple[str, np.ndarray]]:
        from ..models.torch import TorchModel

        adapted = self.plan.model
        if type(adapted) is not TorchModel:
            yield from super().randomised(seed)
            return
        module = copy.deepcopy(adapted.module)  # the run's view copied: the user's untouched
        copied = TorchModel(
            module,
            output=adapted.output,
            output_names=list(adapted.output_names),
            device=adapted.device,
        ).bind(self.plan.instance.input)
        for name in redraw_layers(adapted._torch, module, seed):
            yield name, self._explain(copied, self.plan.instance)


class TabularRerun(Rerun):
    """The plan's explainer run again on rows over the planned background."""

    def __init__(self, plan: Any, exp: Any, output: str) -> None:
        super().__init__(plan, exp, output)
        inst = plan.instance
        self._numeric = np.array(
            [np.issubdtype(np.asarray(c).dtype, np.number) for c in inst.bg_cols], bool
        )

    def numeric_point(self, scale: Any) -> tuple[np.ndarray, np.ndarray]:
        """x's numeric columns as floats (others 0) and each column's perturbation scale
        (the background's weighted std, or 1; 0 for columns that are not numbers)."""
        inst = self.plan.instance
        x = np.array([float(v) if ok else 0.0 for v, ok in zip(inst.x_cols, self._numeric)], float)
        s = np.zeros(inst.d)
        w = inst.weights / inst.weights.sum()
        for j in np.flatnonzero(self._numeric):
            col = np.asarray(inst.bg_cols[j], float)
            s[j] = np.sqrt(w @ (col - w @ col) ** 2) if scale == "std" else 1.0
        return x, s

    def at(self, x: np.ndarray) -> np.ndarray:
        """The explanation at ``x`` (its non-numeric columns kept from the row)."""
        inst = self.plan.instance
        cols = [float(v) if ok else old for v, ok, old in zip(x, self._numeric, inst.x_cols)]
        return self._explain(self.plan.model, self.plan.model.row(cols))

    def randomised(self, seed: int) -> Iterator[tuple[str, np.ndarray]]:
        """``(layer, explanation)`` after re-drawing each parameterised layer of a copy
        of the torch module, from the output layer down, cumulatively."""
        from ..models.tabular_context import TabularContext
        from ..models.torch_tabular import TorchTabularModel

        ctx = self.plan.model
        adapter = ctx.adapter
        if not isinstance(adapter, TorchTabularModel):
            est = getattr(adapter, "estimator", None)
            what = type(est).__name__ if est is not None else "a plain function"
            raise MethodError(
                "randomisation re-draws a torch module's weights layer by layer; this "
                f"model is {what}",
                fix="explain a torch nn.Module (its copy is randomised; yours is not touched)",
            )
        torch = adapter._torch
        module = copy.deepcopy(adapter.module)
        copied = TorchTabularModel(module, output_names=adapter.output_names, device=adapter.device)
        copied.head, copied.kind = adapter.head, adapter.kind
        rerun_ctx = TabularContext(copied, self.plan.instance, columns=ctx.columns)
        for name in redraw_layers(torch, module, seed):
            yield name, self._explain(rerun_ctx, self.plan.instance)
