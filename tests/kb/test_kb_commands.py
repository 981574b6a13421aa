"""`carebot kb build|search` as operators and other tools call it: a real subprocess."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bot.settings import PROJECT_ROOT


def carebot(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", CAREBOT_LOG_FORMAT="text", CAREBOT_LOG_LEVEL="WARNING")
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", "kb", *args],
        input=stdin, capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=300,
    )


def test_build_search_and_jsonl_contract(small_kb, tmp_path):
    index = str(tmp_path / "index")
    built = carebot("build", "--source", str(small_kb), "--index", index)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("4 articles, 9 passages (4 articles embedded, 0 unchanged, 0 removed); flat index in ")

    again = carebot("build", "--source", str(small_kb), "--index", index, "--json")
    report = json.loads(again.stdout)
    assert report["embedded_articles"] == 0 and report["reused_articles"] == 4 and report["passages"] == 9

    text = carebot("search", "--index", index, "-k", "2", "my espresso machine shows E04")
    assert text.returncode == 0, text.stderr
    lines = text.stdout.splitlines()
    assert lines[0].startswith("1. [") and "troubleshooting/espresso-errors: Espresso machine error codes > E04" in lines[0]
    assert lines[1].strip() == "https://larkspur.example/help/troubleshooting/espresso-errors"
    assert sum(line[:2] in ("1.", "2.") for line in lines) == 2

    queries = "\n".join([
        json.dumps({"id": "q1", "query": "how long to get a parcel to hawaii"}),
        "{not json",
        json.dumps({"id": 7, "query": "x" * 2001}),
        json.dumps({"id": "q3", "query": "I forgot my password"}),
    ])
    out = carebot("search", "--index", index, "-k", "3", "--jsonl", stdin=queries)
    assert out.returncode == 1  # bad lines make the run fail, but every line is answered
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["q1", None, 7, "q3"]
    assert rows[0]["results"][0]["article"] == "shipping/delivery-times"
    assert len(rows[0]["results"]) == 3
    assert set(rows[0]["results"][0]) >= {"article", "passage", "score"}
    assert "Alaska" in rows[0]["results"][0]["passage"]
    assert "line 2" in rows[1]["error"] and "2000" in rows[2]["error"]
    assert rows[3]["results"][0]["article"] == "account/reset-password"
    assert "line 2" in out.stderr and "line 3" in out.stderr


@pytest.mark.parametrize(
    "args, code, message",
    [
        (("build", "--source", "{tmp}/missing", "--index", "{tmp}/index"), 1, "knowledge-base folder not found"),
        (("build", "--source", "{tmp}/empty", "--index", "{tmp}/index"), 1, "no articles"),
        (("build", "--source", "{tmp}/bad", "--index", "{tmp}/index"), 1, "bad/article.md: front matter lacks url"),
        (("search", "--index", "{tmp}/index", "hello"), 2, "no knowledge-base index"),
        (("search", "--index", "{tmp}/index", "x" * 2001), 1, "the limit is 2000"),
        (("search", "--index", "{tmp}/index"), 1, "give either a question or --jsonl"),
    ],
)
def test_errors_are_clear_and_non_zero(tmp_path, args, code, message):
    (tmp_path / "empty").mkdir()
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "article.md").write_text("---\ntitle: Half an article\n---\nText", encoding="utf-8")
    result = carebot(*(a.replace("{tmp}", str(tmp_path)) for a in args))
    assert result.returncode == code
    assert message in result.stderr and result.stderr.startswith("carebot kb: ")
    assert "Traceback" not in result.stderr
