"""decide(): answer, clarify or admit not knowing; extract(): a short, faithful extract."""
from __future__ import annotations

from bot.kb.answering import AnswerPolicy, answer_text, choice_title, decide, extract, plain
from bot.kb.search import Hit

POLICY = AnswerPolicy(answer_threshold=0.5, clarify_floor=0.4, clarify_margin=0.02, max_choices=3)


def hit(article: str, score: float, dense: float, passage: str = "text", heading: str = "") -> Hit:
    return Hit(article, article.title(), f"https://larkspur.example/help/{article}", heading, passage,
               score=score, dense=dense, lexical=0.0)


def test_a_clear_winner_is_answered():
    d = decide([hit("a", 0.70, 0.62), hit("b", 0.60, 0.55)], POLICY)
    assert d.outcome == "answered" and [h.article_id for h in d.hits] == ["a"]


def test_close_runners_up_make_the_bot_ask():
    d = decide([hit("a", 0.70, 0.62), hit("b", 0.69, 0.60), hit("c", 0.685, 0.45), hit("d", 0.69, 0.6)], POLICY)
    assert d.outcome == "clarified" and [h.article_id for h in d.hits] == ["a", "b", "c"]


def test_a_close_runner_up_below_the_floor_is_not_offered():
    d = decide([hit("a", 0.70, 0.62), hit("b", 0.695, 0.30)], POLICY)
    assert d.outcome == "answered"


def test_low_confidence_is_no_answer_even_when_ranked_first():
    assert decide([hit("a", 0.9, 0.45)], POLICY).outcome == "no_answer"  # between floor and threshold
    assert decide([hit("a", 0.9, 0.2), hit("b", 0.89, 0.2)], POLICY).outcome == "no_answer"
    assert decide([], POLICY).outcome == "no_answer"


def test_plain_text_keeps_link_text_and_drops_emphasis():
    assert plain("See **this** [guide](https://x.example/g) and `E04`.") == "See this guide and E04."


def test_short_passages_are_shown_whole(encode):
    text = "Refunds take 5-7 business days after the return arrives."
    assert extract(hit("a", 1, 1, text), "when do i get my money", encode) == text


def test_steps_are_kept_in_order(encode):
    steps = "\n".join(f"{i}. Step number {i} of the descaling, with some words to make it long enough."
                      for i in range(1, 13))
    out = extract(hit("a", 1, 1, "Descale every three months.\n" + steps), "how do i descale", encode)
    lines = out.split("\n")
    assert lines[0] == "Descale every three months." and lines[1].startswith("1. ")
    assert lines[10].startswith("10. ") and lines[-1] == "(more steps in the article)"


def test_long_prose_gives_the_sentences_about_the_question(encode):
    filler = " ".join(f"Our roastery team cupped batch {i} on Monday and liked it." for i in range(12))
    passage = (filler + " Parcels to Hawaii and Alaska take 4-8 business days by USPS Priority Mail. "
               + filler)
    out = extract(hit("a", 1, 1, passage), "how long does delivery to hawaii take", encode)
    assert "Hawaii and Alaska take 4-8 business days" in out
    assert len(out.split()) <= 80


def test_codes_pick_their_table_row(encode):
    rows = "\n".join(f"| E0{i} | Fault number {i} | Fix number {i} for this fault, with details |" for i in range(1, 10))
    passage = "When the machine finds a problem it shows a code.\n\n| Code | Meaning | Fix |\n| --- | --- | --- |\n" + rows
    out = extract(hit("a", 1, 1, passage), "machine shows E04", encode)
    assert "\nE04 | Fault number 4 | Fix number 4" in out and "---" not in out


def test_answer_text_and_choice_titles():
    h = hit("troubleshooting/errors", 1, 1, heading="E04: Pump blocked")
    assert answer_text(h, "Prime the pump.") == (
        "Prime the pump.\n\nSource: Troubleshooting/Errors\nhttps://larkspur.example/help/troubleshooting/errors")
    assert choice_title(h) == "Troubleshooting/Errors: E04: Pump blocked"
    assert choice_title(hit("x", 1, 1, heading="X")) == "X"


def test_a_one_sentence_extract_is_read_after_the_articles_summary():
    from bot.kb.answering import with_summary

    summary = "You can return most items within **30 days** of delivery. Return shipping is free. More text here."
    short = "A few things can't be returned, such as opened coffee."
    out = with_summary(short, summary)
    assert out == "You can return most items within 30 days of delivery. Return shipping is free.\n" + short
    long_extract = " ".join(["word"] * 30)
    assert with_summary(long_extract, summary) == long_extract  # long enough on its own
    assert with_summary(short, None) == short
    assert with_summary("You can return most items within 30 days of delivery.", summary).count("30 days") == 1


def test_an_extract_that_announces_what_follows_is_read_with_it():
    from bot.kb.answering import points_forward, read_on

    assert points_forward("The grinder has two safety switches. If nothing happens when you press Start:")
    assert points_forward("A charge is almost always one of the four things below.")
    assert not points_forward("Descale once a month. The steps below are optional, really.\nUse vinegar.")
    assert not points_forward("Refunds take 5-7 business days.")
    steps = "1. Hopper lock.\n2. Grounds bin."
    assert read_on("If nothing happens when you press Start:", steps) == \
        "If nothing happens when you press Start:\n" + steps
    assert read_on("Refunds take 5-7 business days.", steps) == "Refunds take 5-7 business days."
    assert read_on("See below:", None) == "See below:"
