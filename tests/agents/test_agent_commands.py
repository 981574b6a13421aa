"""`carebot agents ...` as an operator runs it: a subprocess on a temporary SQLite hub database."""
from __future__ import annotations

import json
import os
import stat
import subprocess
import sys

import pytest

from bot.agents.directory import AgentDirectory
from bot.settings import PROJECT_ROOT


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture
def carebot(db):
    env = dict(os.environ, CAREBOT_HUB_DB_URL=db, CAREBOT_LOG_FORMAT="text")

    def run(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "bot.cli", "agents", *args], input=stdin,
                              stdin=None if stdin is not None else subprocess.DEVNULL,
                              capture_output=True, text=True, cwd=PROJECT_ROOT, env=env, timeout=60)

    return run


def authenticate(db: str, username: str, password: str):
    agents = AgentDirectory(db)
    try:
        return agents.authenticate(username, password)
    finally:
        agents.close()


def test_add_and_list(carebot, db):
    out = carebot("add", "Alex", "--name", "Alex Kim", "--skills", "billing,technical", "--capacity", "4",
                  "--password-stdin", stdin="long enough pw\n")
    assert out.returncode == 0, out.stderr
    assert "added alex (Alex Kim, agent, skills billing,technical, capacity 4)" in out.stdout
    assert authenticate(db, "alex", "long enough pw") is not None
    out = carebot("add", "morgan", "--name", "Morgan Lee", "--role", "supervisor", "--password-stdin",
                  stdin="another long one\n")
    assert out.returncode == 0, out.stderr
    listed = carebot("list", "--json")
    assert listed.returncode == 0
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert [r["username"] for r in rows] == ["alex", "morgan"]
    assert rows[0] | {"id": 0} == {"id": 0, "username": "alex", "name": "Alex Kim", "initials": "AK", "role": "agent",
                                   "skills": ["billing", "technical"], "capacity": 4, "active": True}
    assert rows[1]["role"] == "supervisor" and rows[1]["skills"] == ["general"]
    assert "Morgan Lee" in carebot("list").stdout


def test_db_flag_overrides_the_environment(carebot, tmp_path):
    other = f"sqlite:///{tmp_path / 'other.db'}"
    assert carebot("add", "sam", "--name", "Sam Patel", "--db", other, "--password-stdin",
                   stdin="long enough pw\n").returncode == 0
    assert json.loads(carebot("list", "--json", "--db", other).stdout)["username"] == "sam"
    assert carebot("list", "--json").stdout == ""


def test_passwd_disable_enable(carebot, db):
    carebot("add", "alex", "--name", "Alex Kim", "--password-stdin", stdin="long enough pw\n")
    out = carebot("passwd", "alex", "--password-stdin", stdin="a brand new one\n")
    assert out.returncode == 0, out.stderr
    assert authenticate(db, "alex", "a brand new one") is not None
    assert carebot("disable", "alex").returncode == 0
    assert authenticate(db, "alex", "a brand new one") is None
    assert "(disabled)" in carebot("list").stdout
    assert json.loads(carebot("list", "--json").stdout)["active"] is False
    assert carebot("enable", "alex").returncode == 0
    assert authenticate(db, "alex", "a brand new one") is not None


def test_demo_twice(carebot, db, tmp_path):
    logins = tmp_path / "secret" / "logins.txt"
    first = carebot("demo", "--logins-file", str(logins))
    assert first.returncode == 0, first.stderr
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    lines = [line.split() for line in logins.read_text().splitlines()]
    assert [(user, role) for user, _, role in lines] == [("alex", "agent"), ("sam", "agent"),
                                                         ("morgan", "supervisor")]
    for user, password, _ in lines:
        assert password in first.stdout
        assert authenticate(db, user, password) is not None
    team = {r["username"]: r for r in map(json.loads, carebot("list", "--json").stdout.splitlines())}
    assert (team["alex"]["name"], team["alex"]["skills"], team["alex"]["capacity"]) == \
        ("Alex Kim", ["general", "billing"], 3)
    assert (team["sam"]["name"], team["sam"]["skills"], team["sam"]["capacity"]) == \
        ("Sam Patel", ["technical", "general"], 2)
    assert (team["morgan"]["role"], sorted(team["morgan"]["skills"]), team["morgan"]["capacity"]) == \
        ("supervisor", ["billing", "general", "technical"], 5)

    logins.chmod(0o644)
    second = carebot("demo", "--logins-file", str(logins))
    assert second.returncode == 0, second.stderr
    assert second.stdout.count("exists, left alone") == 3
    assert [line.split() for line in logins.read_text().splitlines()] == lines
    assert stat.S_IMODE(logins.stat().st_mode) == 0o600
    for user, password, _ in lines:  # passwords unchanged
        assert authenticate(db, user, password) is not None


def test_demo_fills_in_a_missing_member(carebot, db, tmp_path):
    carebot("add", "sam", "--name", "Sam Somebody", "--password-stdin", stdin="my own password\n")
    logins = tmp_path / "logins.txt"
    out = carebot("demo", "--logins-file", str(logins))
    assert out.returncode == 0, out.stderr
    assert "sam: exists, left alone" in out.stdout
    assert [line.split()[0] for line in logins.read_text().splitlines()] == ["alex", "morgan"]
    assert authenticate(db, "sam", "my own password") is not None


@pytest.mark.parametrize("args, stdin, message", [
    (["add", "alex", "--name", "Alex Kim", "--password-stdin"], "short\n", "at least 10 characters"),
    (["add", "alex", "--name", "Alex Kim", "--password-stdin"], "", "nothing on stdin"),
    (["add", "alex", "--name", "Alex Kim"], None, "pipe it in with --password-stdin"),
    (["add", "al", "--name", "Al", "--password-stdin"], "long enough pw\n", "3-40 characters"),
    (["add", "alex", "--name", "Alex Kim", "--skills", "billing,sales", "--password-stdin"], "long enough pw\n",
     "unknown skill 'sales'"),
    (["add", "alex", "--name", "Alex Kim", "--role", "boss", "--password-stdin"], "long enough pw\n",
     "role must be one of"),
    (["add", "alex", "--name", "Alex Kim", "--capacity", "50", "--password-stdin"], "long enough pw\n",
     "capacity must be"),
    (["passwd", "nobody", "--password-stdin"], "long enough pw\n", "no agent named 'nobody'"),
    (["disable", "nobody"], None, "no agent named 'nobody'"),
])
def test_user_errors_exit_1(carebot, args, stdin, message):
    out = carebot(*args, stdin=stdin)
    assert out.returncode == 1
    assert out.stderr.startswith("carebot agents: ") and message in out.stderr
    assert carebot("list", "--json").stdout == ""


def test_duplicate_is_refused_before_asking_for_a_password(carebot):
    carebot("add", "alex", "--name", "Alex Kim", "--password-stdin", stdin="long enough pw\n")
    out = carebot("add", "ALEX", "--name", "Alex Again")  # no --password-stdin: would need a terminal
    assert out.returncode == 1 and "'alex' already exists" in out.stderr


def test_no_plain_password_flag(carebot):
    out = carebot("add", "alex", "--name", "Alex Kim", "--password", "long enough pw")
    assert out.returncode == 2 and "unrecognized arguments" in out.stderr


def test_database_unavailable_exits_2(carebot):
    out = carebot("list", "--db", "postgresql+psycopg://carebot@127.0.0.1:1/none")
    assert out.returncode == 2 and out.stderr.strip() == "carebot agents: hub database unavailable (OperationalError)"


def test_the_health_permission_is_a_skill_given_and_taken_back(carebot):
    assert carebot("add", "alex", "--name", "Alex Kim", "--password-stdin", stdin="long enough pw\n").returncode == 0
    out = carebot("skills", "alex", "general,billing,health")
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "alex skills general,billing,health"
    assert json.loads(carebot("list", "--json").stdout)["skills"] == ["general", "billing", "health"]
    assert carebot("skills", "alex", "general").stdout.strip() == "alex skills general"
    only_access = carebot("skills", "alex", "health")  # health grants access, it routes nothing
    assert only_access.returncode == 1 and "at least one skill of billing, technical, general" in only_access.stderr
    assert carebot("skills", "nobody", "general").returncode == 1
