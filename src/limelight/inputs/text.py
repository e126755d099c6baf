"""Text instances: a string split into tokens with character offsets, and its maskings.

Highlighting lands on the original string because every token keeps its ``(start, end)``
offsets; the text between tokens (spaces, punctuation the tokenizer skips, line breaks)
is kept as it is.

    >>> inst = tokenize("Great plot, thin acting.")
    >>> inst.tokens
    ['Great', 'plot', ',', 'thin', 'acting', '.']
    >>> inst.perturb([[1, 0, 1, 1, 1, 1]])
    ['Great , thin acting.']
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError

# words (letters, digits, apostrophes inside words) or single punctuation marks
_WORD_RE = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]")
# what never starts a token of its own: combining marks (é as e + U+0301, Hindi vowel
# signs), zero-width joiners, variation selectors, skin-tone modifiers, emoji tags
_JOINERS = re.compile(
    "[\u200c\u200d\ufe00-\ufe0f\U0001f3fb-\U0001f3ff\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)
_REGIONAL = re.compile("[\U0001f1e6-\U0001f1ff]")

MASKINGS = ("remove", "token")


@dataclass
class TextInstance:
    """A string and its tokens. ``spans[i] = (start, end)`` with ``text[start:end]`` the token.

    ``masking="remove"`` drops masked tokens; ``masking="token"`` replaces each with
    ``mask_token``. ``ids`` (optional) holds model token ids for gradient methods and
    ``groups`` maps each model token to the word it belongs to when sub-words were grouped.
    """

    text: str
    tokens: list[str]
    spans: np.ndarray
    masking: str = "remove"
    mask_token: str = "[MASK]"
    extras: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.spans = np.asarray(self.spans, dtype=np.int64).reshape(-1, 2)
        if self.masking not in MASKINGS:
            raise InputError(
                f"unknown masking {self.masking!r}",
                fix="use masking='remove' (drop masked tokens) or masking='token' "
                "(replace them with mask_token)",
            )
        bounds = np.concatenate([[0], self.spans.reshape(-1), [len(self.text)]])
        # gaps[i] is the text before token i; gaps[-1] the text after the last token
        self._gaps = [self.text[bounds[2 * i] : bounds[2 * i + 1]] for i in range(len(self) + 1)]
        self._joined: tuple[np.ndarray, np.ndarray] | None = None

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def n_tokens(self) -> int:
        return len(self.tokens)

    def perturb(self, masks: Any) -> list[str]:
        """Strings for a ``(n, n_tokens)`` 0/1 array: 1 keeps a token, 0 masks it.

        Text between tokens is kept, so masking one word leaves the rest of the string as
        the user wrote it.
        """
        masks = np.asarray(masks, dtype=bool)
        if masks.ndim != 2 or masks.shape[1] != len(self):
            raise InputError(
                f"masks have shape {masks.shape} but the text has {len(self)} tokens",
                fix=f"pass a (n, {len(self)}) array",
            )
        # each token carries the text before it, so a row is one join of n pieces
        kept, dropped = self._pieces()
        tail = self._gaps[-1]
        return ["".join(row) + tail for row in np.where(masks, kept, dropped).tolist()]

    def leave_out(self, indices: Any) -> list[str]:
        """The text with each one token of ``indices`` masked, the rest as written: the
        same strings as :meth:`perturb` with one False per row, cut from the text in
        O(length) each instead of joined from every token (occlusion of a long document).

            >>> tokenize("a good day").leave_out([1])
            ['a  day']
        """
        fill = "" if self.masking == "remove" else self.mask_token
        text, spans = self.text, self.spans
        return [text[: spans[i, 0]] + fill + text[spans[i, 1] :] for i in np.asarray(indices)]

    def _pieces(self) -> tuple[np.ndarray, np.ndarray]:
        if self._joined is None:
            fill = "" if self.masking == "remove" else self.mask_token
            kept = np.empty(len(self), dtype=object)
            kept[:] = [g + t for g, t in zip(self._gaps, self.tokens)]
            dropped = np.empty(len(self), dtype=object)
            dropped[:] = [g + fill for g in self._gaps[:-1]]
            self._joined = (kept, dropped)
        return self._joined


def tokenize(
    text: Any,
    *,
    tokenizer: Any = None,
    tokens: Sequence[str] | None = None,
    spans: Any = None,
    group_subwords: bool = False,
    masking: str = "remove",
    mask_token: str | None = None,
) -> TextInstance:
    """Split ``text`` into a :class:`TextInstance`.

    ``tokenizer`` may be None (words and punctuation), a Hugging Face-style tokenizer
    (called with ``return_offsets_mapping=True``; special tokens with empty offsets are
    dropped), or a callable returning a list of token strings (found in order in the
    text) or of ``(token, start, end)`` triples. ``tokens``/``spans`` give the split
    directly; they must agree with the text. ``group_subwords=True`` merges sub-word
    pieces that touch (no gap between them) back into words.

        >>> tokenize("a b", tokens=["a", "b"], spans=[(0, 1), (2, 3)]).tokens
        ['a', 'b']
    """
    text = _check_text(text)
    extras: dict[str, Any] = {}
    if tokens is not None or spans is not None:
        if tokenizer is not None:
            raise InputError(
                "both tokenizer= and tokens=/spans= were given",
                fix="pass either a tokenizer or the tokens (with their spans), not both",
            )
        toks, sp = _from_lists(text, tokens, spans)
    elif tokenizer is None:
        sp = _words(text)
        toks = [text[a:b] for a, b in sp]
    elif _is_hf_tokenizer(tokenizer):
        toks, sp, ids, keep = _from_hf(text, tokenizer)
        extras["ids"] = ids
        extras["keep"] = keep
    elif callable(tokenizer):
        toks, sp = _from_callable(text, tokenizer)
    else:
        raise InputError(
            f"tokenizer of type {type(tokenizer).__name__} is not callable",
            fix="pass a Hugging Face tokenizer, a function str -> list[str], or None",
        )
    if not toks:
        raise InputError(
            f"the tokenizer found no tokens in {text[:40]!r}",
            fix="pass text with words in it, or a tokenizer that splits it",
        )
    if group_subwords:
        toks, sp, groups = _group(text, sp)
        extras["groups"] = groups
    return TextInstance(
        text=text,
        tokens=list(toks),
        spans=np.asarray(sp, dtype=np.int64).reshape(-1, 2),
        masking=masking,
        mask_token=mask_token if mask_token is not None else _default_mask(tokenizer),
        extras=extras,
    )


def _continues(text: str, prev: tuple[int, int], start: int) -> bool:
    """Whether the piece at ``start`` belongs to the piece ``prev`` that ends there (one
    user-perceived character: a base and its marks, an emoji sequence, a flag)."""
    if prev[1] != start:
        return False
    c, last = text[start], text[prev[1] - 1]
    if unicodedata.category(c).startswith("M") or _JOINERS.match(c) or last == "\u200d":
        return True
    # a word goes on after its marks (é in "été", a Hindi vowel sign mid-word)
    if unicodedata.category(last).startswith("M") and (c.isalnum() or c == "_"):
        return True
    # a flag is a pair of regional indicators
    return bool(_REGIONAL.match(c) and _REGIONAL.match(last) and (prev[1] - prev[0]) % 2 == 1)


def _words(text: str) -> list[tuple[int, int]]:
    """Spans of words and punctuation marks, never splitting a character a reader sees as
    one (combining accents, emoji with modifiers or joiners, flags)."""
    spans: list[tuple[int, int]] = []
    for m in _WORD_RE.finditer(text):
        a, b = m.span()
        if spans and _continues(text, spans[-1], a):
            spans[-1] = (spans[-1][0], b)
        else:
            spans.append((a, b))
    return spans


def _check_text(text: Any) -> str:
    if not isinstance(text, str):
        raise InputError(
            f"text must be a str, got {type(text).__name__}",
            fix="pass one document as a Python string",
        )
    if not text.strip():
        what = "empty" if not text else "only whitespace"
        raise InputError(
            f"the text is {what}; there is nothing to explain",
            fix="pass a document with at least one word",
        )
    return text


def _from_lists(text: str, tokens: Any, spans: Any) -> tuple[list[str], list[tuple[int, int]]]:
    if tokens is None:
        sp = _as_spans(spans, text)
        return [text[s:e] for s, e in sp], sp
    tokens = [str(t) for t in tokens]
    if spans is None:
        return _align(text, tokens)
    sp = _as_spans(spans, text)
    if len(sp) != len(tokens):
        raise InputError(
            f"{len(tokens)} tokens but {len(sp)} spans",
            fix="give one (start, end) span per token",
        )
    for i, (tok, (s, e)) in enumerate(zip(tokens, sp)):
        if text[s:e] != tok:
            raise InputError(
                f"token {i} is {tok!r} but its span ({s}, {e}) covers {text[s:e]!r}",
                fix="make text[start:end] equal each token, or pass tokens without spans "
                "to have them located in the text",
            )
    return tokens, sp


def _as_spans(spans: Any, text: str) -> list[tuple[int, int]]:
    arr = np.asarray(spans)
    if arr.ndim != 2 or arr.shape[1] != 2 or not np.issubdtype(arr.dtype, np.integer):
        raise InputError(
            f"spans must be (start, end) integer pairs, got an array of shape {arr.shape}",
            fix="pass a list like [(0, 5), (6, 10)]",
        )
    sp = [(int(s), int(e)) for s, e in arr]
    last = 0
    for i, (s, e) in enumerate(sp):
        if not (last <= s < e <= len(text)):
            raise InputError(
                f"span {i} ({s}, {e}) is empty, overlaps the previous one or lies outside "
                f"the text of length {len(text)}",
                fix="give non-empty, increasing, non-overlapping character offsets",
            )
        last = e
    return sp


def _align(text: str, tokens: list[str]) -> tuple[list[str], list[tuple[int, int]]]:
    """Locate tokens in order in the text (tokens that are not substrings are an error)."""
    sp, pos = [], 0
    for i, tok in enumerate(tokens):
        if not tok:
            raise InputError(f"token {i} is empty", fix="drop empty tokens")
        start = text.find(tok, pos)
        if start < 0:
            raise InputError(
                f"token {i} {tok!r} does not occur in the text after offset {pos}",
                fix="return tokens that are substrings of the text, in order, or return "
                "(token, start, end) triples",
            )
        sp.append((start, start + len(tok)))
        pos = start + len(tok)
    return tokens, sp


def _from_callable(text: str, fn: Callable) -> tuple[list[str], list[tuple[int, int]]]:
    out = list(fn(text))
    if out and isinstance(out[0], (tuple, list)) and len(out[0]) == 3:
        return _from_lists(text, [t[0] for t in out], [(t[1], t[2]) for t in out])
    return _align(text, [str(t) for t in out])


def _is_hf_tokenizer(tok: Any) -> bool:
    return callable(tok) and (
        hasattr(tok, "convert_ids_to_tokens") or hasattr(tok, "is_fast") or hasattr(tok, "vocab")
    )


def _from_hf(text: str, tok: Any):
    try:
        enc = tok(text, return_offsets_mapping=True)
    except (TypeError, NotImplementedError) as exc:
        raise InputError(
            f"the tokenizer does not return character offsets ({exc})",
            fix="use a 'fast' Hugging Face tokenizer (use_fast=True) or a callable "
            "that returns tokens",
        ) from None
    ids = np.asarray(enc["input_ids"]).reshape(-1)
    offsets = np.asarray(enc["offset_mapping"]).reshape(-1, 2)
    if len(ids) != len(offsets):
        raise InputError(
            f"the tokenizer returned {len(ids)} ids but {len(offsets)} offsets",
            fix="return one (start, end) offset per input id",
        )
    keep = np.flatnonzero(offsets[:, 1] > offsets[:, 0])  # special tokens have (0, 0)
    sp = [(int(s), int(e)) for s, e in offsets[keep]]
    return [text[s:e] for s, e in sp], sp, ids, keep


def _group(text: str, sp: list[tuple[int, int]]):
    """Merge touching pieces ("super", "##b") into words; groups[i] = word of piece i."""
    words: list[tuple[int, int]] = []
    groups = np.zeros(len(sp), dtype=np.int64)
    for i, (s, e) in enumerate(sp):
        joins = words and s == words[-1][1] and text[s - 1 : s].isalnum() and text[s].isalnum()
        if joins:
            words[-1] = (words[-1][0], e)
        else:
            words.append((s, e))
        groups[i] = len(words) - 1
    return [text[s:e] for s, e in words], words, groups


def _default_mask(tokenizer: Any) -> str:
    return str(getattr(tokenizer, "mask_token", None) or "[MASK]")
