"""`carebot frustration score` through a real subprocess: the JSON-lines contract."""
import json
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT

CAREBOT = Path(sys.executable).with_name("carebot")


def run(stdin: str, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "CAREBOT_LOG_FORMAT": "text",
           "CAREBOT_CLIENT_FILE": str(PROJECT_ROOT / "client.yml")}
    return subprocess.run([str(CAREBOT), "frustration", "score", *args], input=stdin, capture_output=True,
                          text=True, timeout=120, env=env, cwd=PROJECT_ROOT)


def lines(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.strip()]


def test_text_turns_and_malformed_lines_in_one_run():
    conversation = {"id": "c1", "customer": {"tier": "standard"}, "turns": [
        {"role": "customer", "text": "where is my refund"},
        {"role": "bot", "text": "Sorry, I didn't get that.", "events": ["fallback"]},
        {"role": "customer", "text": "my REFUND. where is it"},
        {"role": "bot", "text": "Sorry, I didn't get that.", "events": ["fallback"]},
        {"role": "customer", "text": "I want to talk to a real person"},
    ]}
    stdin = "\n".join([
        json.dumps({"text": "ARE YOU KIDDING ME?? THIS IS THE THIRD TIME MY ORDER IS WRONG!!!"}),
        json.dumps({"id": 2, "text": "Thanks, that's perfect"}),
        "{not json",
        "",
        json.dumps({"turns": [{"role": "agent", "text": "hi"}]}),
        json.dumps({"neither": 1}),
        json.dumps(conversation),
    ]) + "\n"
    done = run(stdin)
    assert done.returncode == 1, done.stderr
    out = lines(done.stdout)
    assert len(out) == 6  # the blank line is skipped, every other line answered in order

    angry, calm = out[0], out[1]
    assert set(angry) >= {"score", "frustrated", "signals"}
    assert angry["frustrated"] is True and 0.5 <= angry["score"] <= 1.0
    assert {"shouting", "repeated_punctuation", "repeat_contact"} <= set(angry["signals"])
    assert calm["id"] == 2 and calm["frustrated"] is False and calm["score"] < angry["score"]

    assert out[2] == {"error": out[2]["error"], "line": 3} and "JSON" in out[2]["error"]
    assert out[3]["line"] == 5 and "role" in out[3]["error"]
    assert out[4]["line"] == 6 and "text" in out[4]["error"]
    assert "line 3" in done.stderr and "line 5" in done.stderr and "line 6" in done.stderr

    turns = out[5]
    assert turns["id"] == "c1" and turns["escalate"] is True
    assert "asked_for_person" in turns["reasons"] and "bot_failures" in turns["reasons"]
    assert turns["level"] in ("calm", "annoyed", "angry") and len(turns["trajectory"]) == 3
    assert "asks_for_person" in turns["signals"]


def test_calm_conversation_line():
    conversation = {"turns": [
        {"role": "customer", "text": "The parcel is late, when will it arrive?"},
        {"role": "bot", "text": "It is with USPS and expected on Friday."},
        {"role": "customer", "text": "Ok, thanks for checking"},
    ]}
    done = run(json.dumps(conversation) + "\n")
    assert done.returncode == 0, done.stderr
    (result,) = lines(done.stdout)
    assert result["escalate"] is False and result["reasons"] == [] and result["level"] == "calm"


def test_empty_input_prints_nothing_and_succeeds():
    done = run("")
    assert done.returncode == 0 and done.stdout == ""


def test_bad_config_and_missing_model_exit_2(tmp_path):
    bad = tmp_path / "client.yml"
    bad.write_text("escalation:\n  angry_scor: 1\n")
    done = run('{"text": "hi"}\n', "--config", str(bad))
    assert done.returncode == 2 and "angry_scor" in done.stderr
    done = run('{"text": "hi"}\n', "--model", str(tmp_path / "missing.npz"))
    assert done.returncode == 2 and "carebot frustration train" in done.stderr


def test_help_lists_the_frustration_command():
    done = subprocess.run([str(CAREBOT), "--help"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 0 and "frustration" in done.stdout
