"""BM25: exact codes match, stop words and plurals do not get in the way."""
from __future__ import annotations

import numpy as np

from bot.kb.lexical import LexicalIndex, stem, tokenize


def test_tokenize_keeps_codes_whole_and_in_parts():
    terms = tokenize("My LK-GR200 shows E04 and the pumps are blocked!")
    assert "lk-gr200" in terms and "gr200" in terms and "e04" in terms
    assert "pump" in terms and "block" in terms
    assert "the" not in terms and "my" not in terms


def test_stem_is_light():
    assert stem("parcels") == "parcel" and stem("deliveries") == "delivery"
    assert stem("address") == "address" and stem("status") == "status"


def test_rare_exact_term_wins(tmp_path):
    texts = [
        "The grinder makes a noise when grinding coffee beans",
        "Error E04 means the pump is blocked: descale twice",
        "Coffee beans stay fresh for a month in the bag",
    ]
    index = LexicalIndex.build(texts)
    scores = index.scores("what does e04 mean")
    assert int(np.argmax(scores)) == 1 and scores[0] == 0
    assert not index.scores("zebra unicorn").any()
    index.save(tmp_path)
    again = LexicalIndex.load(tmp_path)
    assert np.allclose(again.scores("coffee beans"), index.scores("coffee beans"))
