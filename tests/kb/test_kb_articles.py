"""Front matter parsing, errors that name the file, and passage splitting."""
from __future__ import annotations

import pytest

from bot.kb.articles import MAX_PASSAGE_WORDS, ArticleError, load_articles, parse_article, split_passages

GOOD = """---
title: Delivery times
url: https://larkspur.example/help/shipping/delivery-times
tags: [shipping, delivery]
updated: 2026-10-14
---
Summary: standard delivery takes 3-5 business days.

## Alaska and Hawaii
Four to eight business days.

## Canada
### By UPS
Four to eight business days with UPS.
"""


def test_front_matter_and_passages_by_heading():
    article = parse_article("shipping/delivery-times", GOOD)
    assert article.title == "Delivery times" and article.tags == ("shipping", "delivery")
    assert article.updated == "2026-10-14" and article.url.endswith("/delivery-times")
    passages = split_passages(article)
    assert [p.heading for p in passages] == ["", "Alaska and Hawaii", "Canada: By UPS"]
    assert passages[0].text.startswith("Summary")
    assert passages[1].indexed_text(article.title) == "Delivery times. Alaska and Hawaii. Four to eight business days"


def test_content_hash_follows_the_text():
    a = parse_article("x", GOOD)
    assert a.content_hash == parse_article("x", GOOD).content_hash
    assert a.content_hash != parse_article("x", GOOD.replace("3-5", "2-4")).content_hash


@pytest.mark.parametrize(
    "raw, message",
    [
        ("no front matter here", "no front matter"),
        ("---\ntitle: x\n", "not closed"),
        ("---\ntitle: [unclosed\n---\nbody", "not valid YAML"),
        ("---\n- a list\n---\nbody", "must be a mapping"),
        ("---\ntitle: T\nurl: https://x.example/a\ntags: [a]\n---\nbody", "lacks updated"),
        ("---\ntitle: T\nurl: https://x.example/a\ntags: [a]\nupdated: last week\n---\nbody", "updated must be a date"),
        ("---\ntitle: T\nurl: not-a-url\ntags: [a]\nupdated: 2026-01-01\n---\nbody", "url must be"),
        ("---\ntitle: T\nurl: https://x.example/a\ntags: [a]\nupdated: 2026-01-01\n---\n\n", "no text"),
    ],
)
def test_malformed_articles_are_refused_with_the_file_named(raw, message):
    with pytest.raises(ArticleError, match=message) as info:
        parse_article("folder/bad", raw, source="kb/folder/bad.md")
    assert "kb/folder/bad.md" in str(info.value)


def test_load_articles_ids_are_paths_and_errors_name_the_file(tmp_path, article_writer):
    article_writer(tmp_path, "shipping/uk/rates", "UK rates", "Twelve dollars.")
    article_writer(tmp_path, "returns", "Returns", "Thirty days.")
    (tmp_path / "README.md").write_text("How to edit the articles", encoding="utf-8")
    assert [a.id for a in load_articles(tmp_path)] == ["returns", "shipping/uk/rates"]
    (tmp_path / "broken.md").write_text("---\ntitle: x\n---\ntext", encoding="utf-8")
    with pytest.raises(ArticleError, match=r"broken\.md: front matter lacks url, tags, updated"):
        load_articles(tmp_path)
    with pytest.raises(ArticleError, match="not found"):
        load_articles(tmp_path / "missing")


def test_long_sections_are_cut_at_paragraphs():
    size = MAX_PASSAGE_WORDS // 2 - 5  # two paragraphs fit in a passage, three do not
    paragraph = " ".join(["word"] * size)
    raw = GOOD.split("## Alaska")[0] + "## Long\n" + "\n\n".join([paragraph] * 6)
    passages = split_passages(parse_article("long", raw))
    long_parts = [p for p in passages if p.heading == "Long"]
    assert len(long_parts) == 3
    assert all(len(p.text.split()) <= MAX_PASSAGE_WORDS for p in long_parts)
    assert sum(len(p.text.split()) for p in long_parts) == 6 * size


def test_headings_inside_code_blocks_are_text():
    raw = GOOD.split("## Alaska")[0] + "## Setup\n```\n# not a heading\n```\n"
    headings = [p.heading for p in split_passages(parse_article("code", raw))]
    assert headings == ["", "Setup"]
