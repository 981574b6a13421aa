"""`carebot agents ...`: create and manage the people who log in to the agent console.

    carebot agents add USERNAME --name "Alex Kim" [--role agent|supervisor] [--skills billing,technical]
                       [--capacity 3] [--password-stdin]
    carebot agents list [--json]
    carebot agents passwd USERNAME [--password-stdin]
    carebot agents skills USERNAME general,billing,health   (health: may see customers' health details)
    carebot agents disable|enable USERNAME
    carebot agents demo [--logins-file var/demo-logins.txt]

Passwords are prompted twice (or read as one line from stdin with --password-stdin), never
taken as an argument: arguments end up in shell history and `ps`. Every subcommand takes
--db URL (default: CAREBOT_HUB_DB_URL / settings.hub_db_url).

Exit codes: 0 ok, 1 user error (bad value, unknown or duplicate agent, weak password),
2 the database or the logins file cannot be used.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from bot.settings import PROJECT_ROOT

DEFAULT_LOGINS_FILE = PROJECT_ROOT / "var" / "demo-logins.txt"
# username, name, role, skills, capacity
DEMO_TEAM = (
    ("alex", "Alex Kim", "agent", ("general", "billing"), 3),
    ("sam", "Sam Patel", "agent", ("technical", "general"), 2),
    ("morgan", "Morgan Lee", "supervisor", ("billing", "technical", "general"), 5),
)


class UserError(Exception):
    """Something the operator typed is wrong (exit 1)."""


def register(subparsers: argparse._SubParsersAction) -> None:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", help="hub database URL (default: CAREBOT_HUB_DB_URL / settings.hub_db_url)")
    agents = subparsers.add_parser("agents", help="agent console accounts: add, list, passwords, demo team")
    commands = agents.add_subparsers(dest="agents_command", required=True, metavar="AGENTS_COMMAND")

    add = commands.add_parser("add", parents=[common], help="create an agent account")
    add.add_argument("username")
    add.add_argument("--name", required=True, help='full name shown to customers, e.g. "Alex Kim"')
    add.add_argument("--role", default="agent", help="agent (default) or supervisor")
    add.add_argument("--skills", default="general",
                     help="comma-separated: billing, technical, general; add health to show customers' health details")
    add.add_argument("--capacity", type=int, default=3, help="conversations at once, 1-20 (default 3)")
    add.add_argument("--password-stdin", action="store_true", help="read the password as one line on stdin")
    add.set_defaults(handler=_add)

    listing = commands.add_parser("list", parents=[common], help="show every agent account")
    listing.add_argument("--json", action="store_true", help="one JSON object per agent")
    listing.set_defaults(handler=_list)

    passwd = commands.add_parser("passwd", parents=[common], help="set a new password (logs the agent out)")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="read the password as one line on stdin")
    passwd.set_defaults(handler=_passwd)

    skills = commands.add_parser("skills", parents=[common],
                                 help="set an agent's skills (health: may see customers' health details)")
    skills.add_argument("username")
    skills.add_argument("skills", help="comma-separated, e.g. general,billing,health")
    skills.set_defaults(handler=_set_skills)

    for name, active in (("disable", False), ("enable", True)):
        command = commands.add_parser(name, parents=[common],
                                      help="disable an account (ends its sessions)" if not active else
                                      "enable a disabled account")
        command.add_argument("username")
        command.set_defaults(handler=_set_active, active=active)

    demo = commands.add_parser("demo", parents=[common],
                               help="create the demo team (alex, sam, morgan) with random passwords if missing")
    demo.add_argument("--logins-file", type=Path, default=DEFAULT_LOGINS_FILE,
                      help=f"where the new passwords are written, mode 0600 (default {DEFAULT_LOGINS_FILE})")
    demo.set_defaults(handler=_demo)


def _run(args: argparse.Namespace, action) -> int:
    """Open the directory, run the action, map errors to messages and exit codes."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.agents.directory import AgentDirectory, UnknownAgent

    try:
        directory = AgentDirectory(args.db or args.settings.hub_db_url)
        try:
            directory.create_schema()
            return action(directory)
        finally:
            directory.close()
    except (UserError, ValueError, UnknownAgent) as exc:
        return _fail(str(exc), 1)
    except SQLAlchemyError as exc:
        return _fail(f"hub database unavailable ({type(exc).__name__})", 2)
    except OSError as exc:
        return _fail(str(exc), 2)


def _fail(message: str, code: int) -> int:
    print(f"carebot agents: {message}", file=sys.stderr)
    return code


def _add(args: argparse.Namespace) -> int:
    from bot.agents.directory import AgentExists, validate_agent

    def action(directory) -> int:
        # A typo or a taken username should be reported before the password prompt, not after.
        username = validate_agent(args.username, args.name, args.role, args.skills.split(","), args.capacity)[0]
        if directory.by_username(username) is not None:
            raise AgentExists(f"an agent named {username!r} already exists")
        agent = directory.add(args.username, args.name, _read_password(args.password_stdin), role=args.role,
                              skills=args.skills.split(","), capacity=args.capacity)
        print(f"added {agent.username} ({agent.name}, {agent.role}, skills {','.join(agent.skills)}, "
              f"capacity {agent.capacity})")
        return 0

    return _run(args, action)


def _list(args: argparse.Namespace) -> int:
    def action(directory) -> int:
        agents = directory.list()
        for agent in agents:
            if args.json:
                print(json.dumps({**agent.to_dict(), "active": agent.active}))
            else:
                state = "" if agent.active else "  (disabled)"
                print(f"{agent.id:>4}  {agent.username:20} {agent.name:24} {agent.role:10} "
                      f"{','.join(agent.skills):26} {agent.capacity:>2}{state}")
        if not agents and not args.json:
            print("no agents yet: `carebot agents add` or `carebot agents demo`")
        return 0

    return _run(args, action)


def _passwd(args: argparse.Namespace) -> int:
    from bot.agents.directory import UnknownAgent

    def action(directory) -> int:
        if directory.by_username(args.username) is None:  # say so before asking for a password
            raise UnknownAgent(f"no agent named {args.username.strip().lower()!r}")
        agent = directory.set_password(args.username, _read_password(args.password_stdin))
        print(f"password changed for {agent.username}; their sessions were ended")
        return 0

    return _run(args, action)


def _set_skills(args: argparse.Namespace) -> int:
    def action(directory) -> int:
        agent = directory.set_skills(args.username, args.skills.split(","))
        print(f"{agent.username} skills {','.join(agent.skills)}")
        return 0

    return _run(args, action)


def _set_active(args: argparse.Namespace) -> int:
    def action(directory) -> int:
        agent = directory.set_active(args.username, args.active)
        print(f"{agent.username} {'enabled' if agent.active else 'disabled (sessions ended)'}")
        return 0

    return _run(args, action)


def _demo(args: argparse.Namespace) -> int:
    import secrets

    def action(directory) -> int:
        created: dict[str, str] = {}
        for username, name, role, skills, capacity in DEMO_TEAM:
            if directory.by_username(username) is not None:
                print(f"{username}: exists, left alone (password unchanged)")
                continue
            password = secrets.token_urlsafe(9)
            directory.add(username, name, password, role=role, skills=skills, capacity=capacity)
            created[username] = f"{username} {password} {role}"
            print(f"{username}: created ({role}), password {password}")
        _write_logins(args.logins_file, created)
        if created:
            print(f"logins written to {args.logins_file}")
        return 0

    return _run(args, action)


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise UserError("--password-stdin: nothing on stdin")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UserError("no terminal to ask for the password: pipe it in with --password-stdin")
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("Again: ") != first:
        raise UserError("the two passwords differ")
    return first


def _write_logins(path: Path, created: dict[str, str]) -> None:
    """Add the new demo logins to the file, keeping the lines of agents created by earlier
    runs (their passwords did not change). Written through a 0600 temporary file and
    renamed, so the passwords are never readable by others, not even for a moment."""
    lines: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                lines[line.split()[0]] = line
    if not created:
        if path.exists():
            os.chmod(path, 0o600)
        return
    lines.update(created)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write("".join(f"{line}\n" for line in lines.values()))
        os.chmod(temporary, 0o600)  # O_CREAT's mode is filtered by the umask; be explicit
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
