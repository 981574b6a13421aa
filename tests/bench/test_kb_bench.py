"""The knowledge-base benchmark's data: labels point at real articles, held-out and
development questions do not overlap, StackFAQ converts into loadable articles."""
from __future__ import annotations

import importlib.util
import sys

from bot.kb.articles import load_articles
from bot.settings import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("kb_bench", PROJECT_ROOT / "bench" / "kb.py")
kb_bench = importlib.util.module_from_spec(spec)
sys.modules["kb_bench"] = kb_bench
spec.loader.exec_module(kb_bench)


def normalised(text: str) -> str:
    return " ".join(text.lower().split())


def test_labelled_questions_point_at_real_articles_and_sets_are_apart():
    articles = {a.id for a in load_articles(kb_bench.KB_SOURCE)}
    held_out = kb_bench.load_questions(kb_bench.QUESTIONS_DIR)
    dev = kb_bench.load_questions(kb_bench.DEV_FILE)
    assert len(articles) >= 60 and len(held_out) >= 200
    assert all(q.article in articles for q in held_out)
    assert all(q.article is None or q.article in articles for q in dev)
    assert len({q.id for q in held_out}) == len(held_out) and len({q.id for q in dev}) == len(dev)
    assert not {normalised(q.text) for q in held_out} & {normalised(q.text) for q in dev}
    covered = {q.article for q in held_out}
    assert len(covered) == len(articles), sorted(articles - covered)


def test_stackfaq_becomes_articles_and_queries(tmp_path):
    queries = kb_bench.stackfaq_corpus(kb_bench.STACKFAQ_FILE, tmp_path)
    articles = load_articles(tmp_path)
    assert len(articles) == 125 and len(queries) == 1249
    assert {q.article for q in queries} <= {a.id for a in articles}
    assert all(len(q.text) >= 3 for q in queries)
