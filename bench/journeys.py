"""Answer-quality benchmark (issue 20, "Answer what the customer asked"): scripted customer journeys
(bench/journeys/FORMAT.md) held with the real assistant through the hub's REST API.

    .venv/bin/python -m bench.journeys                       # dev.yml, on a stack of its own
    .venv/bin/python -m bench.journeys --set all --json var/journeys.json
    .venv/bin/python -m bench.journeys --url http://127.0.0.1:8000 --only D001,D004 -v

Without ``--url`` it starts the Rasa server (the trained model in models/), the action server and the hub
on free ports with a fresh hub database and a freshly seeded demo CRM in a temporary folder, as the
end-to-end tests do (bot/runner/stack.py), and stops them at the end. Each journey is a new conversation.
After each scripted ``say`` the simulated customer answers the bot's follow-up questions from the
journey's ``customer:`` (at most ``MAX_AUTO_ANSWERS`` per turn); a ``say`` that is the title of a quick reply
on the bot's last message is sent as that button (its payload), as the widget would. A hand-off ends the
journey: later turns are skipped. The behaviours are read by bot/reply_behaviour.py.

Prints a table (journeys, successes, success rate; per tag; per check) and every failure. The exit code is
0 whatever the results (the benchmark reports, it does not gate); 1 when the stack failed to start (or no
hub answers at ``--url``), 2 when the journey files are missing or invalid.
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a file (python bench/journeys.py), the project's bot package
    sys.path.insert(0, str(ROOT))

from bot.reply_behaviour import (  # noqa: E402
    BEHAVIOURS, CUSTOMER_DETAILS, YES_NO, asks, behaviours, details_asked, is_handoff, normalise, quick_replies,
    sentences,
)

JOURNEYS_DIR = ROOT / "bench" / "journeys"
SETS = {"dev": ["dev.yml"], "test": ["test.yml"], "all": ["dev.yml", "test.yml"]}
MAX_AUTO_ANSWERS = 3  # automatic answers from `customer:` after one scripted say
SHORT = 160  # characters of a message shown in the list of failures

Send = Callable[[str, "str | None"], list[dict]]


class JourneyFileError(Exception):
    pass


# --- the journey file -------------------------------------------------------------------------------------
KNOWN_KEYS = {  # where: the keys FORMAT.md defines; others (e.g. an expectation's `source`) are not checked
    "journey": {"id", "title", "tags", "customer", "turns"},
    "turn": {"say", "expect"},
    "expect": {"facts", "not", "do", "dont"},
    "customer": set(CUSTOMER_DETAILS),
}


def problems(journeys: Any) -> list[str]:
    """What keeps a parsed journey file from being run (empty when it can be)."""
    if not isinstance(journeys, list):
        return ["the file must be a YAML list of journeys"]
    out, seen = [], set()
    for index, journey in enumerate(journeys, start=1):
        if not isinstance(journey, dict):
            out.append(f"journey {index}: not a mapping")
            continue
        where = f"journey {journey.get('id', index)}"
        if not isinstance(journey.get("id"), str) or not journey["id"]:
            out.append(f"{where}: `id` must be a string")
        elif journey["id"] in seen:
            out.append(f"{where}: duplicate id")
        seen.add(journey.get("id"))
        if not isinstance(journey.get("tags") or [], list):
            out.append(f"{where}: `tags` must be a list")
        if not isinstance(journey.get("customer") or {}, dict):
            out.append(f"{where}: `customer` must be a mapping")
        turns = journey.get("turns")
        if not isinstance(turns, list) or not turns:
            out.append(f"{where}: `turns` must be a non-empty list")
            continue
        for number, turn in enumerate(turns, start=1):
            at = f"{where} turn {number}"
            if not isinstance(turn, dict) or not isinstance(turn.get("say"), str):
                out.append(f"{at}: needs `say` (a string)")
                continue
            expect = turn.get("expect") or {}
            if not isinstance(expect, dict):
                out.append(f"{at}: `expect` must be a mapping")
                continue
            for key in ("facts", "not", "do", "dont"):
                if not isinstance(expect.get(key) or [], list):
                    out.append(f"{at}: `{key}` must be a list")
            for key in ("do", "dont"):
                if isinstance(expect.get(key) or [], list):
                    out += [f"{at}: unknown behaviour {name!r} in `{key}`" for name in expect.get(key) or []
                            if name not in BEHAVIOURS]
    return out


def unchecked_keys(journeys: list[dict]) -> Counter:
    """Keys FORMAT.md does not define ("expect.source"), with how often they occur: reported, not used."""
    found: Counter = Counter()

    def count(where: str, mapping: Any) -> None:
        if isinstance(mapping, dict):
            found.update(f"{where}.{key}" for key in set(mapping) - KNOWN_KEYS[where])

    for journey in journeys:
        count("journey", journey)
        count("customer", journey.get("customer"))
        for turn in journey.get("turns") or []:
            count("turn", turn)
            count("expect", turn.get("expect"))
    return found


def load_journeys(paths: list[Path], only: list[str] | None = None) -> list[dict]:
    journeys: list[dict] = []
    for path in paths:
        if not path.exists():
            raise JourneyFileError(f"{path} does not exist")
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found = problems(data)
        if found:
            raise JourneyFileError(f"{path} does not follow bench/journeys/FORMAT.md:\n  " + "\n  ".join(found))
        journeys += data
    ids = [j["id"] for j in journeys]
    if duplicates := sorted(i for i, n in Counter(ids).items() if n > 1):
        raise JourneyFileError(f"ids used twice across the files: {', '.join(duplicates)}")
    if only:
        if unknown := [i for i in only if i not in ids]:
            raise JourneyFileError(f"no journey with id {', '.join(unknown)}")
        journeys = [j for j in journeys if j["id"] in only]
    return journeys


# --- the simulated customer -------------------------------------------------------------------------------
def customer_reply(message: dict | None, customer: dict[str, Any]) -> str | None:
    """What the customer types back, from what they know, when the bot's last message asks for details;
    None when it asks for nothing they know, or asks a yes/no question with buttons (that is the script's
    to answer)."""
    if not message or message.get("type") != "bot":
        return None
    parts = sentences(message.get("text") or "")
    questions = [s for s in parts if asks(s)]
    if quick_replies(message) and questions and YES_NO.search(questions[-1]):
        return None
    known = [str(customer[d]) for d in details_asked(message.get("text") or "")
             if customer.get(d) not in (None, "")]
    return ", ".join(known) or None


def pressed_button(message: dict | None, say: str) -> dict | None:
    """The quick reply of the bot's last message whose title the scripted ``say`` is (a widget user
    would press it), or None."""
    wanted = " ".join(say.lower().split())
    for button in quick_replies(message or {}):
        if " ".join(str(button["title"]).lower().split()) == wanted:
            return button
    return None


# --- judging a journey (FORMAT.md) ------------------------------------------------------------------------
@dataclass
class Turn:
    """One scripted turn as it happened: what the customer said (the scripted ``say`` first, then the
    runner's answers from ``customer:``) and every reply, in order."""
    say: str
    messages: list[dict] = field(default_factory=list)  # customer and bot messages, in order
    skipped: bool = False  # not sent: the conversation was handed to a person before it

    @property
    def replies(self) -> list[dict]:
        return [m for m in self.messages if m.get("type") != "customer"]


@dataclass
class Check:
    turn: int  # 1-based
    name: str  # "facts", "not", "do:answer", "dont:hand_off"
    ok: bool
    detail: str = ""


def reply_text(messages: list[dict]) -> str:
    return "\n".join(normalise(m.get("text") or "") for m in messages if m.get("type") != "customer")


def check_turn(number: int, expect: dict[str, Any], turn: Turn) -> list[Check]:
    text, found = reply_text(turn.replies), behaviours(turn.replies)
    checks = []
    for group in expect.get("facts") or []:
        alternatives = [group] if isinstance(group, str) else list(group)
        hit = any(normalise(str(a)) in text for a in alternatives)
        checks.append(Check(number, "facts", hit, "" if hit else "none of " + " | ".join(map(repr, alternatives))))
    for phrase in expect.get("not") or []:
        hit = normalise(str(phrase)) in text
        checks.append(Check(number, "not", not hit, f"said {phrase!r}" if hit else ""))
    for name in expect.get("do") or []:
        checks.append(Check(number, f"do:{name}", name in found, "" if name in found else "did not happen"))
    for name in expect.get("dont") or []:
        checks.append(Check(number, f"dont:{name}", name not in found, "happened" if name in found else ""))
    return checks


def check_skipped(number: int, expect: dict[str, Any], handed_off_at: int) -> list[Check]:
    """A turn never sent because of a hand-off at turn ``handed_off_at``: only its hand-off expectation
    is judged (``do: [hand_off]`` is met early; ``dont: [hand_off]`` is not)."""
    checks = []
    if "hand_off" in (expect.get("do") or []):
        checks.append(Check(number, "do:hand_off", True, f"handed off earlier, at turn {handed_off_at}"))
    if "hand_off" in (expect.get("dont") or []):
        checks.append(Check(number, "dont:hand_off", False, f"handed off at turn {handed_off_at}, before this turn"))
    return checks


def judge(journey: dict[str, Any], turns: list[Turn]) -> list[Check]:
    checks: list[Check] = []
    handed_off_at = None
    for number, (script, turn) in enumerate(zip(journey["turns"], turns), start=1):
        expect = script.get("expect") or {}
        if turn.skipped:
            checks += check_skipped(number, expect, handed_off_at or 0)
            continue
        checks += check_turn(number, expect, turn)
        if handed_off_at is None and "hand_off" in behaviours(turn.replies):
            handed_off_at = number
    return checks


# --- playing a journey ------------------------------------------------------------------------------------
def play(journey: dict, send: Send) -> tuple[list[Turn], str | None]:
    """Hold the journey's conversation through ``send(text, payload) -> the hub's reply messages``.

    Returns the turns as they happened and the error that stopped it, if any."""
    customer = journey.get("customer") or {}
    turns: list[Turn] = []
    last_bot: dict | None = None
    handed_off = False
    try:
        for script in journey["turns"]:
            turn = Turn(script["say"])
            turns.append(turn)
            if handed_off:
                turn.skipped = True
                continue
            button = pressed_button(last_bot, script["say"])
            text, payload, auto = script["say"], (button or {}).get("payload"), False
            for _ in range(1 + MAX_AUTO_ANSWERS):
                turn.messages.append({"type": "customer", "text": text, "payload": payload, "auto": auto})
                replies = send(text, payload)
                turn.messages += replies
                bot = [m for m in replies if m.get("type") == "bot"]
                last_bot = bot[-1] if bot else None
                if any(is_handoff(m) for m in replies):
                    handed_off = True
                    break
                text, payload, auto = customer_reply(last_bot, customer), None, True
                if text is None:
                    break
    except (httpx.HTTPError, KeyError, ValueError) as error:
        return turns, f"{type(error).__name__}: {error}"
    return turns, None


@dataclass
class Result:
    journey: dict
    turns: list[Turn]
    checks: list[Check]
    error: str | None = None
    seconds: float = 0.0

    @property
    def success(self) -> bool:
        return self.error is None and all(c.ok for c in self.checks)

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]


def run_journey(journey: dict, send: Send) -> Result:
    started = time.monotonic()
    turns, error = play(journey, send)
    return Result(journey, turns, judge(journey, turns), error, time.monotonic() - started)


class HubClient:
    """The hub's REST API, as README.md shows it: one conversation per journey, its token as Bearer."""

    def __init__(self, url: str, timeout_s: float = 180.0) -> None:
        self.http = httpx.Client(base_url=url.rstrip("/"), timeout=timeout_s)

    def conversation(self) -> Send:
        body = self.http.post("/api/conversations").raise_for_status().json()
        path = f"/api/conversations/{body['conversation_id']}/messages"
        headers = {"Authorization": f"Bearer {body['token']}"}

        def send(text: str, payload: str | None = None) -> list[dict]:
            data = {"text": text} if payload is None else {"text": text, "payload": payload}
            return self.http.post(path, json=data, headers=headers).raise_for_status().json()["messages"]

        return send

    def close(self) -> None:
        self.http.close()


def run_all(journeys: list[dict], url: str, concurrency: int = 1,
            before_each: Callable[[], None] | None = None) -> list[Result]:
    """Every journey in a new conversation; `before_each` runs before each one (one at a time only)."""
    hub = HubClient(url)
    if before_each is not None and concurrency > 1:
        raise ValueError("before_each needs journeys one at a time (concurrency 1)")

    def one(journey: dict) -> Result:
        try:
            if before_each is not None:
                before_each()
            send = hub.conversation()
        except httpx.HTTPError as error:
            return Result(journey, [], [], f"could not start a conversation: {error}")
        result = run_journey(journey, send)
        mark = "ok  " if result.success else "FAIL"
        print(f"  {mark} {journey['id']}  {result.seconds:5.1f} s  {journey.get('title', '')}", flush=True)
        return result

    try:
        with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
            return list(pool.map(one, journeys))
    finally:
        hub.close()


# --- report -----------------------------------------------------------------------------------------------
def _rate(successes: int, total: int) -> str:
    return f"{100 * successes / total:.1f} %" if total else "n/a"


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    return "\n".join(lines + ["| " + " | ".join(str(c) for c in row) + " |" for row in rows])


def summary(results: list[Result]) -> str:
    total, ok = len(results), sum(r.success for r in results)
    out = [_table(["journeys", "successes", "success rate", "stopped by an error"],
                  [[total, ok, _rate(ok, total), sum(r.error is not None for r in results)]])]
    tags = sorted({t for r in results for t in r.journey.get("tags") or []})
    if tags:
        rows = []
        for tag in tags:
            tagged = [r for r in results if tag in (r.journey.get("tags") or [])]
            good = sum(r.success for r in tagged)
            rows.append([tag, len(tagged), good, _rate(good, len(tagged))])
        out.append(_table(["tag", "journeys", "successes", "success rate"], rows))
    checked, failed, journeys_failed = Counter(), Counter(), Counter()
    for result in results:
        for check in result.checks:
            checked[check.name] += 1
            failed[check.name] += not check.ok
        for name in {c.name for c in result.failed}:
            journeys_failed[name] += 1
    if checked:
        rows = [[name, checked[name], failed[name], journeys_failed[name]]
                for name in sorted(checked, key=lambda n: (-failed[n], n))]
        out.append(_table(["check", "times checked", "failed", "journeys failed on it"], rows))
    return "\n\n".join(out)


def _short(text: str, limit: int = SHORT) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _said(message: dict) -> str:
    kind = message.get("type")
    if kind == "customer":
        return "customer" + (" (from customer:)" if message.get("auto") else "")
    if kind == "system":
        return f"hub [{message.get('event')}]"
    return kind or "?"


def _line(message: dict, limit: int = SHORT) -> str:
    titles = [b.get("title") for b in message.get("buttons") or [] if isinstance(b, dict)]
    buttons = f"  [{' | '.join(map(str, titles))}]" if titles else ""
    return f"{_said(message)}: {_short(message.get('text') or '', limit)}{buttons}"


def failures(results: list[Result], verbose: bool = False) -> str:
    """Every failed journey: each turn's failed expectations and what was said in that turn (shortened),
    or with ``verbose`` the whole transcript."""
    out = []
    for result in (r for r in results if not r.success):
        journey = result.journey
        tags = f"  [{', '.join(journey.get('tags') or [])}]" if journey.get("tags") else ""
        out.append(f"{journey['id']}  {journey.get('title', '')}{tags}")
        if result.error:
            out.append(f"  stopped by an error: {result.error}")
        for number in sorted({c.turn for c in result.failed}):
            out += [f"  turn {number}  {c.name}: {c.detail}" for c in result.failed if c.turn == number]
            turn = result.turns[number - 1]
            if not verbose and not turn.skipped:
                out += [f"      {_line(m)}" for m in turn.messages]
        if verbose:
            out.append("  transcript:")
            for number, turn in enumerate(result.turns, start=1):
                if turn.skipped:
                    out.append(f"    {number}. (not sent: handed off before) customer: {turn.say}")
                for index, message in enumerate(turn.messages):
                    out.append(f"    {f'{number}.' if index == 0 else '  '} {_line(message, 2000)}")
        out.append("")
    return "\n".join(out)


def to_json(results: list[Result]) -> list[dict]:
    return [{
        "id": r.journey["id"], "title": r.journey.get("title"), "tags": r.journey.get("tags") or [],
        "success": r.success, "error": r.error, "seconds": round(r.seconds, 2),
        "failed": [asdict(c) for c in r.failed], "checks": [asdict(c) for c in r.checks],
        "turns": [{"say": t.say, "skipped": t.skipped, "messages": t.messages} for t in r.turns],
    } for r in results]


# --- command line -----------------------------------------------------------------------------------------
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=sorted(SETS), default="dev", help="which journeys (default: dev)")
    parser.add_argument("--file", type=Path, action="append",
                        help="a journey file instead of the set (repeatable)")
    parser.add_argument("--only", help="only these journey ids, comma-separated")
    parser.add_argument("--url", help="a running hub to use (default: start a stack of its own)")
    parser.add_argument("--json", type=Path, help="write the per-journey results here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the transcripts of failures")
    parser.add_argument("--concurrency", type=int, default=1, help="journeys at a time (default 1)")
    parser.add_argument("--start-timeout", type=float, default=600.0,
                        help="seconds for the stack to become healthy (default 600)")
    return parser.parse_args(argv)


def reseed_crm() -> None:
    """The stack's demo CRM as `carebot crm seed` left it: a journey's returns, disputes and call backs
    must not change what the next journey's customer finds (journeys are written independent)."""
    from bot.crm import open_crm
    from bot.crm.seed import seed
    from bot.settings import Settings

    settings = Settings.from_env()
    crm = open_crm(settings.crm_url, client_file=settings.client_file)
    try:
        seed(crm, reset=True)
    finally:
        crm.close()


def run_on_own_stack(journeys: list[dict], args: argparse.Namespace) -> list[Result]:
    from bot.runner.stack import StackError, project_kb_index, running_stack
    from bot.settings import Settings

    try:
        kb_index = project_kb_index(Settings.from_env())
    except subprocess.CalledProcessError as error:
        raise StackError(f"building the knowledge-base index failed: {error}") from None
    with tempfile.TemporaryDirectory(prefix="journeys-") as folder:
        print("Starting Rasa, the action server and the hub (Rasa takes a minute or more)...", flush=True)
        with running_stack(Path(folder), kb_index, timeout_s=args.start_timeout,
                           business_hours=None) as stack:  # the client's real hours
            print(f"Stack up at {stack.url}", flush=True)
            return run_all(journeys, stack.url, args.concurrency,
                           before_each=reseed_crm if args.concurrency == 1 else None)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    paths = args.file or [JOURNEYS_DIR / name for name in SETS[args.set]]
    only = [i.strip() for i in args.only.split(",") if i.strip()] if args.only else None
    try:
        journeys = load_journeys(paths, only)
    except (JourneyFileError, yaml.YAMLError) as error:
        print(f"journeys: {error}", file=sys.stderr)
        return 2
    label = ", ".join(str(p.relative_to(ROOT) if p.is_relative_to(ROOT) else p) for p in paths)
    print(f"{len(journeys)} journeys from {label}", flush=True)
    if unchecked := unchecked_keys(journeys):
        print("Not in FORMAT.md, not checked: " + ", ".join(f"{k} ({n})" for k, n in sorted(unchecked.items())))
    started = time.monotonic()
    if args.url:
        try:
            health = httpx.get(args.url.rstrip("/") + "/health", timeout=30).json()
        except (httpx.HTTPError, ValueError) as error:
            print(f"journeys: no hub answers at {args.url}: {error}", file=sys.stderr)
            return 1
        if health.get("status") != "ok":
            print(f"journeys: warning: the hub reports {health}", file=sys.stderr)
        results = run_all(journeys, args.url, args.concurrency)
    else:
        from bot.runner.stack import StackError

        try:
            results = run_on_own_stack(journeys, args)
        except StackError as error:
            print(f"journeys: the stack failed to start: {error}", file=sys.stderr)
            return 1
    print(f"\n## Journeys: {label} ({time.monotonic() - started:.0f} s)\n\n{summary(results)}\n")
    if any(not r.success for r in results):
        print("### Failures\n\n" + failures(results, args.verbose))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(to_json(results), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"Per-journey results: {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
