"""The agent-assist benchmark's data and arithmetic: the cases load, their right articles are the ids the
knowledge base's hits carry, dev and test do not share a conversation, hit@k counts what it says."""
from __future__ import annotations

import importlib.util
import sys

from bot.kb.articles import load_articles
from bot.settings import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("assist_bench", PROJECT_ROOT / "bench" / "assist.py")
assist_bench = importlib.util.module_from_spec(spec)
sys.modules["assist_bench"] = assist_bench
spec.loader.exec_module(assist_bench)


def test_cases_name_real_articles_and_the_sets_are_apart():
    articles = {a.id for a in load_articles(PROJECT_ROOT / "knowledge_base")}
    dev, test = assist_bench.load_cases("dev"), assist_bench.load_cases("test")
    for cases in (dev, test):
        assert len(cases) >= 30 and len({c["id"] for c in cases}) == len(cases)
        assert all(c["right"] and set(c["right"]) <= articles for c in cases)
        assert all(any(m["sender"] == "customer" for m in c["messages"]) for c in cases)
        assert all(m["sender"] in ("customer", "bot") and m["text"].strip() for c in cases for m in c["messages"])
    def conversations(cases):
        return {tuple(" ".join(m["text"].lower().split()) for m in c["messages"] if m["sender"] == "customer")
                for c in cases}

    assert not {c["id"] for c in dev} & {c["id"] for c in test}
    assert not conversations(dev) & conversations(test)


def test_hit_rate_counts_a_case_when_one_right_article_is_in_the_first_k():
    cases = [{"right": ["a", "b"]}, {"right": ["c"]}, {"right": ["d"]}]
    found = [(["x", "b", "y"], None), (["c"], None), ([], None)]
    assert assist_bench.hit_rate(cases, found, 1) == 1 / 3
    assert assist_bench.hit_rate(cases, found, 3) == 2 / 3
