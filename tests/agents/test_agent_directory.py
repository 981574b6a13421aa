"""AgentDirectory on SQLite and the real PostgreSQL: accounts, login throttle, sessions.
Time moves through the injected clock, never by sleeping."""
from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import text

from bot.agents.directory import (
    Agent,
    AgentDirectory,
    AgentExists,
    TooManyAttempts,
    UnknownAgent,
)
from bot.agents.passwords import WeakPassword

PASSWORD = "s3cret-enough"


def add_alex(directory, **changes) -> Agent:
    fields = dict(role="agent", skills=("general", "billing"), capacity=3) | changes
    return directory.add("alex", "Alex Kim", PASSWORD, **fields)


# accounts

def test_add_get_list(directory):
    alex = directory.add("  Alex ", "Alex   Kim", PASSWORD, skills=["general", "billing", "general"])
    morgan = directory.add("morgan.lee", "Morgan Lee", PASSWORD, role="supervisor",
                           skills=("billing", "technical", "general"), capacity=5)
    assert alex == Agent(id=alex.id, username="alex", name="Alex Kim", role="agent",
                         skills=("general", "billing"), capacity=3, active=True)
    assert alex.to_dict() == {"id": alex.id, "username": "alex", "name": "Alex Kim", "initials": "AK",
                              "role": "agent", "skills": ["general", "billing"], "capacity": 3}
    assert directory.get(alex.id) == alex and directory.get(999) is None
    assert directory.by_username("ALEX") == alex and directory.by_username("nobody") is None
    assert directory.by_username("x") is None  # not even a valid username
    assert directory.list() == [alex, morgan]
    assert directory.add("sam", "Sam", PASSWORD).skills == ("general",)  # defaults


def test_password_is_stored_hashed(directory, url):
    alex = add_alex(directory)
    with directory.engine.connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM agents WHERE id = :id"), {"id": alex.id}).scalar()
    assert stored.startswith("scrypt$") and PASSWORD not in stored


def test_duplicate_username(directory):
    add_alex(directory)
    with pytest.raises(AgentExists, match="'alex' already exists"):
        directory.add("Alex", "Another Alex", PASSWORD)


@pytest.mark.parametrize("changes, message", [
    (dict(username="al"), "3-40 characters"),
    (dict(username="a" * 41), "3-40 characters"),
    (dict(username="alex kim"), "3-40 characters"),
    (dict(username="al€x"), "3-40 characters"),
    (dict(name="   "), "name must not be empty"),
    (dict(role="admin"), "role must be one of agent, supervisor"),
    (dict(skills=("billing", "sales")), "unknown skill 'sales'"),
    (dict(skills=()), "at least one skill"),
    (dict(capacity=0), "capacity must be a whole number from 1 to 20"),
    (dict(capacity=21), "capacity must be"),
    (dict(capacity=True), "capacity must be"),
    (dict(password="short"), "at least 10 characters"),
])
def test_validation(directory, changes, message):
    fields = dict(username="alex", name="Alex Kim", password=PASSWORD) | changes
    with pytest.raises(ValueError, match=message):
        directory.add(**fields)
    assert directory.list() == []


def test_weak_password_is_its_own_error(directory):
    with pytest.raises(WeakPassword):
        directory.add("alex", "Alex Kim", "123")


def test_initials():
    def initials(name):
        return Agent(1, "x", name, "agent", ("general",), 3, True).initials
    assert (initials("Alex Kim"), initials("cher"), initials("Mary Ann Lee"), initials("")) == ("AK", "C", "ML", "X")


# authentication

def test_authenticate(directory):
    alex = add_alex(directory)
    assert directory.authenticate("alex", PASSWORD) == alex
    assert directory.authenticate(" ALEX ", PASSWORD) == alex
    assert directory.authenticate("alex", PASSWORD + "x") is None
    assert directory.authenticate("nobody", PASSWORD) is None
    assert directory.authenticate("x", PASSWORD) is None  # malformed username: no error either


def test_inactive_agent_cannot_log_in(directory):
    add_alex(directory)
    assert directory.set_active("alex", False).active is False
    assert directory.authenticate("alex", PASSWORD) is None
    assert directory.set_active("alex", True).active is True
    assert directory.authenticate("alex", PASSWORD) is not None


def test_set_password(directory):
    alex = add_alex(directory)
    token = directory.start_session(alex)
    directory.set_password("Alex", "a-new-password")
    assert directory.authenticate("alex", PASSWORD) is None
    assert directory.authenticate("alex", "a-new-password") == alex
    assert directory.session_agent(token) is None  # a new password logs out old sessions
    with pytest.raises(WeakPassword):
        directory.set_password("alex", "short")
    with pytest.raises(UnknownAgent, match="no agent named 'nobody'"):
        directory.set_password("nobody", "a-new-password")
    with pytest.raises(UnknownAgent):
        directory.set_active("nobody", False)


def test_throttle_locks_after_five_failures(directory, clock):
    alex = add_alex(directory)
    for _ in range(5):
        assert directory.authenticate("alex", "wrong password") is None
        clock.advance(minutes=2)
    with pytest.raises(TooManyAttempts) as locked:
        directory.authenticate("alex", PASSWORD)  # even the right password: the lock holds
    assert locked.value.retry_after_s == 15 * 60 - 2 * 60
    clock.advance(minutes=12, seconds=59)
    with pytest.raises(TooManyAttempts) as still:
        directory.authenticate("alex", PASSWORD)
    assert still.value.retry_after_s == 1
    clock.advance(seconds=1)
    assert directory.authenticate("alex", PASSWORD) == alex


def test_throttle_counts_only_within_the_window(directory, clock):
    alex = add_alex(directory)
    for _ in range(4):
        directory.authenticate("alex", "wrong password")
    clock.advance(minutes=15)  # the window has passed: the count starts again
    for _ in range(4):
        assert directory.authenticate("alex", "wrong password") is None
    assert directory.authenticate("alex", PASSWORD) == alex


def test_success_resets_the_count(directory, clock):
    alex = add_alex(directory)
    for _ in range(4):
        directory.authenticate("alex", "wrong password")
    assert directory.authenticate("alex", PASSWORD) == alex
    for _ in range(4):
        assert directory.authenticate("alex", "wrong password") is None
    assert directory.authenticate("alex", PASSWORD) == alex


def test_unknown_usernames_are_throttled_too(directory):
    for _ in range(5):
        assert directory.authenticate("ghost", "wrong password") is None
    with pytest.raises(TooManyAttempts):
        directory.authenticate("ghost", "wrong password")


def test_throttle_is_shared_between_replicas(directory, url, clock):
    """Two hubs on one database: failures counted by one lock the username on the other."""
    add_alex(directory)
    other = AgentDirectory(url, now=clock)
    try:
        for replica in (directory, other, directory, other, directory):
            replica.authenticate("alex", "wrong password")
        with pytest.raises(TooManyAttempts):
            other.authenticate("alex", PASSWORD)
    finally:
        other.close()


def test_password_reset_clears_the_lock(directory):
    alex = add_alex(directory)
    for _ in range(5):
        directory.authenticate("alex", "wrong password")
    directory.set_password("alex", "a-new-password")
    assert directory.authenticate("alex", "a-new-password") == alex


# sessions

def test_session_roundtrip_and_logout(directory):
    alex = add_alex(directory)
    token = directory.start_session(alex)
    assert len(token) >= 40 and directory.session_agent(token) == alex
    with directory.engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM agent_sessions")).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]  # the token itself is not stored
    directory.end_session(token)
    assert directory.session_agent(token) is None


@pytest.mark.parametrize("token", ["", "not-a-token", None, "x" * 5000])
def test_unknown_tokens(directory, token):
    add_alex(directory)
    assert directory.session_agent(token) is None
    directory.end_session(token)  # harmless


def test_idle_timeout(directory, clock):
    alex = add_alex(directory)
    used, unused = directory.start_session(alex), directory.start_session(alex)
    clock.advance(hours=7, minutes=59, seconds=59)
    assert directory.session_agent(used) == alex
    clock.advance(seconds=1)  # 8 h without a request
    assert directory.session_agent(unused) is None
    assert directory.session_agent(unused) is None  # and it stays gone
    assert directory.session_agent(used) == alex


def test_idle_timeout_slides_with_use(directory, clock):
    alex = add_alex(directory)
    token = directory.start_session(alex)
    for _ in range(3):  # 3 x 7 h of use: well past 8 h since login, still logged in
        clock.advance(hours=7)
        assert directory.session_agent(token) == alex
    clock.advance(hours=8)
    assert directory.session_agent(token) is None


def test_sliding_writes_at_most_once_a_minute(directory, clock):
    alex = add_alex(directory)
    token = directory.start_session(alex)

    def last_seen():
        with directory.engine.connect() as conn:
            return conn.execute(text("SELECT last_seen FROM agent_sessions")).scalar()

    first = last_seen()
    clock.advance(seconds=59)
    assert directory.session_agent(token) == alex
    assert last_seen() == first
    clock.advance(seconds=1)
    assert directory.session_agent(token) == alex
    assert last_seen() != first
    # The unwritten 59 s mean the idle timeout counts from the last write: 8 h after it, gone.
    clock.advance(hours=8)
    assert directory.session_agent(token) is None


def test_absolute_lifetime(directory, clock):
    alex = add_alex(directory)
    token = directory.start_session(alex)
    for _ in range(23):
        clock.advance(hours=1)
        assert directory.session_agent(token) == alex
    clock.advance(minutes=59, seconds=59)
    assert directory.session_agent(token) == alex
    clock.advance(seconds=1)  # 24 h after login, however busy
    assert directory.session_agent(token) is None


def test_durations_are_parameters(url, clock):
    agents = AgentDirectory(url, now=clock, idle_timeout=timedelta(minutes=30),
                            absolute_lifetime=timedelta(hours=2))
    agents.create_schema()
    try:
        alex = add_alex(agents)
        idle = agents.start_session(alex)
        busy = agents.start_session(alex)
        for _ in range(3):
            clock.advance(minutes=29)
            assert agents.session_agent(busy) == alex
        assert agents.session_agent(idle) is None
        clock.advance(minutes=2 * 60 - 3 * 29)
        assert agents.session_agent(busy) is None
    finally:
        agents.close()


def test_shorter_durations_apply_to_open_sessions(url, clock):
    long_lived = AgentDirectory(url, now=clock)
    long_lived.create_schema()
    try:
        token = long_lived.start_session(add_alex(long_lived))
        strict = AgentDirectory(url, now=clock, idle_timeout=timedelta(hours=1))
        clock.advance(hours=2)
        assert strict.session_agent(token) is None
        strict.close()
    finally:
        long_lived.close()


def test_disabled_agent_loses_sessions(directory):
    alex = add_alex(directory)
    token = directory.start_session(alex)
    directory.set_active("alex", False)
    assert directory.session_agent(token) is None
    directory.set_active("alex", True)
    assert directory.session_agent(token) is None  # disabling ended it for good


def test_inactive_agent_session_is_refused(directory):
    """Even a session row that survived (say, disabled directly in the database) is refused."""
    alex = add_alex(directory)
    token = directory.start_session(alex)
    with directory.engine.begin() as conn:
        conn.execute(text("UPDATE agents SET active = :no"), {"no": False})
    assert directory.session_agent(token) is None


def test_end_sessions_for(directory):
    alex = add_alex(directory)
    sam = directory.add("sam", "Sam Patel", PASSWORD)
    tokens = [directory.start_session(alex) for _ in range(2)]
    other = directory.start_session(sam)
    assert directory.end_sessions_for(alex.id) == 2
    assert [directory.session_agent(t) for t in tokens] == [None, None]
    assert directory.session_agent(other) == sam


def test_create_schema_is_idempotent(directory):
    add_alex(directory)
    directory.create_schema()
    assert [a.username for a in directory.list()] == ["alex"]
