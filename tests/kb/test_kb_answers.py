"""The answer log on SQLite and on the real PostgreSQL, and `carebot kb answers`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from bot.kb.answers import AnswerLog
from bot.settings import PROJECT_ROOT



@dataclass
class FakeHit:  # the fields AnswerLog reads from bot.kb.search.Hit
    article_id: str
    title: str
    url: str
    score: float


HITS = [FakeHit("returns/non-returnable-items", "Items we can't take back", "https://x.example/a", 0.71),
        FakeHit("returns/return-policy", "Return policy", "https://x.example/b", 0.64)]


@pytest.fixture
def url(hub_db_url):
    return hub_db_url


def test_record_feedback_and_helpfulness(url):
    log = AnswerLog(url)
    log.create_schema()
    try:
        first = log.record("c1", "can i return opened beans", "answered", HITS, shown=HITS[0].article_id,
                           intent="nlu_fallback")
        second = log.record("c1", "and what about gift cards", "answered", HITS[1:], shown=HITS[1].article_id)
        log.record("c2", "who won the game", "no_answer", [])
        assert log.feedback(first, True, "c1") is True
        assert log.feedback(second, True, "c1") and log.feedback(second, False, "c1")  # changed their mind
        assert log.feedback(first, False, "c2") is False  # not that conversation's answer
        assert log.feedback(999999, True) is False
        rows = log.for_conversation("c1")
        assert [r["id"] for r in rows] == [first, second]
        assert rows[0]["results"] == [{"article": h.article_id, "title": h.title, "url": h.url, "score": h.score}
                                      for h in HITS]
        assert rows[0]["helpful"] is True and rows[1]["helpful"] is False and rows[0]["top_score"] == 0.71
        assert log.for_conversation("c2")[0]["outcome"] == "no_answer"
        assert log.helpfulness() == {"answers": 2, "rated": 2, "helpful": 1, "helpful_rate": 0.5}
        assert [r["conversation_id"] for r in log.latest(2)] == ["c1", "c2"]
        with pytest.raises(ValueError):
            log.record("c1", "q", "made_up_outcome", [])
    finally:
        log.close()


def test_answers_command(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    log = AnswerLog(url)
    log.create_schema()
    answer = log.record("conv-42", "can i return opened beans", "answered", HITS, shown=HITS[0].article_id)
    log.feedback(answer, False)
    log.close()
    env = dict(os.environ, CAREBOT_HUB_DB_URL=url, CAREBOT_LOG_FORMAT="text")
    run = lambda *a: subprocess.run([sys.executable, "-m", "bot.cli", "kb", "answers", *a], capture_output=True,  # noqa: E731
                                    text=True, cwd=PROJECT_ROOT, env=env, timeout=60)
    out = run("--conversation", "conv-42", "--json")
    assert out.returncode == 0, out.stderr
    lines = [json.loads(line) for line in out.stdout.splitlines()]
    assert lines[0]["query"] == "can i return opened beans" and lines[0]["helpful"] is False
    assert lines[-1] == {"summary": {"answers": 1, "rated": 1, "helpful": 0, "helpful_rate": 0.0}}
    text_out = run().stdout
    assert "did not help" in text_out and "returns/non-returnable-items" in text_out
    assert text_out.strip().endswith("1 answers shown, 1 rated, 0 helped (0%)")
    down = subprocess.run([sys.executable, "-m", "bot.cli", "kb", "answers"], capture_output=True, text=True,
                          cwd=PROJECT_ROOT, timeout=60,
                          env=dict(env, CAREBOT_HUB_DB_URL="postgresql+psycopg://x@127.0.0.1:1/none"))
    assert down.returncode == 2 and "hub database unavailable" in down.stderr
