"""Text the way people write it: the default word split never cuts a character a reader
sees as one, and the browser receives offsets in its own (UTF-16) units."""

import pytest

from limelight.encoders.text import utf16_spans
from limelight.inputs.text import tokenize


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("e\u0301te\u0301 ok", ["e\u0301te\u0301", "ok"]),  # combining accents
        ("👍🏽 nice", ["👍🏽", "nice"]),  # skin-tone modifier
        ("👨\u200d👩\u200d👧 fam", ["👨\u200d👩\u200d👧", "fam"]),  # zero-width joiners
        ("🇫🇷🇩🇪", ["🇫🇷", "🇩🇪"]),  # flags: pairs of regional indicators
        ("नमस्ते दुनिया", ["नमस्ते", "दुनिया"]),  # Devanagari vowel signs
        ("a\r\nb", ["a", "b"]),
        ("don't stop!", ["don't", "stop", "!"]),
    ],
)
def test_words_keep_whole_characters(text, words):
    inst = tokenize(text)
    assert inst.tokens == words
    assert [text[s:e] for s, e in inst.spans] == words


def test_offsets_cross_to_the_browser_in_utf16_units():
    text = "😀 good 𠀀 day"
    spans = tokenize(text).spans
    got = utf16_spans(text, spans)
    units = text.encode("utf-16-le")
    # slicing the UTF-16 encoding at the sent offsets gives back each token
    assert [units[2 * s : 2 * e].decode("utf-16-le") for s, e in got] == ["😀", "good", "𠀀", "day"]
