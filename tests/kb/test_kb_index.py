"""Building, incremental rebuilds, hot reload and the exact/approximate index choice."""
from __future__ import annotations

import json

import pytest

from bot.kb.articles import ArticleError
from bot.kb.index import IndexNotFound, build_index, current_generation, load_index
from bot.kb.search import KnowledgeBase, QueryError


def test_build_then_search_finds_the_right_article(small_kb, tmp_path, counting):
    report = build_index(small_kb, tmp_path / "index", encode=counting)
    assert report.articles == 4 and report.embedded_articles == 4 and report.reused_articles == 0
    assert report.passages == 9 and report.index_type == "flat"
    # every passage plus one title per article was embedded
    assert counting.texts == report.passages + report.articles
    kb = KnowledgeBase(tmp_path / "index", encode=counting)
    assert kb.search("how long does shipping to honolulu take")[0].article_id == "shipping/delivery-times"
    hit = kb.search("my machine says E04")[0]
    assert hit.article_id == "troubleshooting/espresso-errors" and hit.heading == "E04: pump blocked"
    assert "descaling program" in hit.passage and hit.url.endswith("/troubleshooting/espresso-errors")
    assert 0 < hit.score <= 1
    assert kb.search("can i send back an opened bag of beans")[0].heading == "Items we cannot take back"


def test_results_are_distinct_articles_best_first(small_kb, tmp_path, encode):
    build_index(small_kb, tmp_path / "index", encode=encode)
    hits = KnowledgeBase(tmp_path / "index", encode=encode).search("delivery to canada", k=10)
    assert len(hits) == len({h.article_id for h in hits}) <= 4
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_rebuild_embeds_only_changed_articles(small_kb, tmp_path, counting, article_writer):
    index = tmp_path / "index"
    build_index(small_kb, index, encode=counting)
    counting.texts = 0
    unchanged = build_index(small_kb, index, encode=counting)
    assert unchanged.embedded_articles == 0 and unchanged.reused_articles == 4 and counting.texts == 0

    article_writer(small_kb, "account/reset-password", "Reset your password", "Use the link within 48 hours.")
    article_writer(small_kb, "store/gift-cards", "Gift cards", "Gift cards never expire.\n\n## Balance\nCheck it online.")
    (small_kb / "returns" / "return-policy.md").unlink()
    changed = build_index(small_kb, index, encode=counting)
    assert (changed.embedded_articles, changed.reused_articles, changed.removed_articles) == (2, 2, 1)
    assert counting.texts == 1 + 2 + 2  # one passage + title, two passages + title
    loaded = load_index(index)
    assert set(loaded.article_ids) == {
        "account/reset-password", "shipping/delivery-times", "store/gift-cards", "troubleshooting/espresso-errors"}
    assert len(loaded.embeddings) == len(loaded.passages) and len(loaded.title_embeddings) == 4
    # reused rows still belong to their passages
    kb = KnowledgeBase(index, encode=counting)
    assert kb.search("what does E07 mean")[0].heading == "E07: descale required"
    assert kb.search("do gift cards expire")[0].article_id == "store/gift-cards"


def test_running_search_picks_up_a_rebuild_without_restart(small_kb, tmp_path, encode, article_writer):
    index = tmp_path / "index"
    build_index(small_kb, index, encode=encode)
    kb = KnowledgeBase(index, encode=encode, reload_interval=0)
    before = kb.index.generation
    assert all(h.article_id != "store/gift-cards" for h in kb.search("gift card expiry", k=4))
    article_writer(small_kb, "store/gift-cards", "Gift cards", "Gift cards never expire.")
    build_index(small_kb, index, encode=encode)
    assert kb.search("gift card expiry")[0].article_id == "store/gift-cards"
    assert kb.index.generation != before == before
    # only the live generation and the one before it are kept
    build_index(small_kb, index, encode=encode)
    assert len([p for p in index.iterdir() if p.name.startswith("gen-")]) == 2


def test_a_broken_rebuild_keeps_the_last_good_index_serving(small_kb, tmp_path, encode):
    index = tmp_path / "index"
    build_index(small_kb, index, encode=encode)
    kb = KnowledgeBase(index, encode=encode, reload_interval=0)
    (index / "CURRENT").write_text("gen-missing\n")
    assert kb.search("reset my password")[0].article_id == "account/reset-password"
    with pytest.raises(Exception, match="unreadable"):
        KnowledgeBase(index, encode=encode)


def test_approximate_index_beyond_the_flat_limit(small_kb, tmp_path, encode):
    report = build_index(small_kb, tmp_path / "index", encode=encode, flat_limit=4)
    assert report.index_type == "hnsw"
    manifest = json.loads((tmp_path / "index" / current_generation(tmp_path / "index") / "manifest.json").read_text())
    assert manifest["index_type"] == "hnsw"
    kb = KnowledgeBase(tmp_path / "index", encode=encode)
    assert kb.search("my machine says E04")[0].article_id == "troubleshooting/espresso-errors"


def test_errors(tmp_path, small_kb, encode):
    with pytest.raises(ArticleError, match="not found"):
        build_index(tmp_path / "nowhere", tmp_path / "index", encode=encode)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArticleError, match="no articles"):
        build_index(tmp_path / "empty", tmp_path / "index", encode=encode)
    with pytest.raises(IndexNotFound, match="carebot kb build"):
        KnowledgeBase(tmp_path / "index", encode=encode)
    build_index(small_kb, tmp_path / "index", encode=encode)
    kb = KnowledgeBase(tmp_path / "index", encode=encode)
    with pytest.raises(QueryError, match="2000"):
        kb.search("x" * 2001)
    with pytest.raises(QueryError, match="empty"):
        kb.search("   ")
    assert kb.search("x" * 2000) is not None
