"""The care KPIs, over closed episodes (bot/conversations/closure.py), for a range of UTC days.

Every ratio is None (null) when its denominator is 0, never 0. Percentages 0-100 (1 decimal).

======================  ==============================================================  ==========================
field                   formula                                                          denominator / n
======================  ==============================================================  ==========================
episodes                closed episodes (closed_at in the range)
csat                    % answered CSAT (1-5) with score 4-5                             csat_n answered (no skips)
csat_mean               mean answered CSAT score (2 decimals)                            csat_n
nps                     % promoters (9-10) - % detractors (0-6), -100..100               nps_n answered NPS
ces                     mean answered CES, 1-7, lower = easier (2 decimals)              ces_n answered CES
fcr                     % episodes resolved and with no later episode of the same        episodes
                        conversation with the same intent starting within 7 days
                        of closed_at (no intent: resolved is enough)
containment             % episodes resolved and contained (no agent accepted)            episodes
escalation_rate         % episodes in which a handoff was created                        episodes
escalations             escalated episodes
avg_wait_s              mean accepted_at - queued_at of accepted handoffs                wait_n handoffs
avg_handle_s            mean ended_at - accepted_at of accepted, ended handoffs          handle_n handoffs
kb_helpful              % helpful of rated knowledge-base answers                        kb_n rated answers
frustration             mean frustration score (0..1, 3 decimals) of customer messages   frustration_n messages
qa_score                mean QA scorecard score (a supervisor's review score wins)       qa_n scored episodes
======================  ==============================================================  ==========================

Attribution: survey answers go to the latest episode of their conversation closed at or before the
question was asked; handoffs, KB answers created within [started_at, closed_at] of the episode;
frustration of the customer messages with ids in [first_message_id, last_message_id]. Keys:
day = UTC date of closed_at; channel; intent = the episode's first customer intent ("(none)");
agent = the last agent who accepted it ("(bot)"); client = the client id of the client file.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any, Iterable

from sqlalchemy.orm import sessionmaker

from bot.conversations.closure import (Closure, aware, day_bounds,  # noqa: F401 - day_bounds re-exported
                                       episodes_closed, episodes_of)
from bot.handoff.store import HandoffStore
from bot.health import HealthDetector, hide_spans
from bot.kb.answers import AnswerLog
from bot.qa.scorecards import Scorecards
from bot.surveys.store import SurveyStore
from bot.conversations.store import Store

BY = ("day", "channel", "intent", "agent", "client")
FCR_DAYS = 7
MAX_RANGE_DAYS = 366
NO_INTENT, BOT_ONLY = "(none)", "(bot)"

FIELDS = ("key", "episodes", "csat", "csat_mean", "csat_n", "nps", "nps_n", "ces", "ces_n", "fcr", "containment",
          "escalation_rate", "escalations", "avg_wait_s", "wait_n", "avg_handle_s", "handle_n", "kb_helpful", "kb_n",
          "frustration", "frustration_n", "qa_score", "qa_n")

DEFINITIONS = {
    "episodes": "closed conversation episodes (closed by an agent, the customer's goodbye or idle time)",
    "csat": "% of answered CSAT surveys (1-5) scoring 4 or 5",
    "csat_mean": "mean answered CSAT score (1-5)",
    "csat_n": "answered CSAT surveys (skips excluded)",
    "nps": "% promoters (9-10) minus % detractors (0-6) over answered NPS surveys (-100..100)",
    "nps_n": "answered NPS surveys",
    "ces": "mean answered Customer Effort Score (1-7, lower is easier)",
    "ces_n": "answered CES surveys",
    "fcr": f"% of episodes resolved with no later episode on the same intent within {FCR_DAYS} days",
    "containment": "% of episodes resolved without a human agent",
    "escalation_rate": "% of episodes handed to a person (a handoff was created)",
    "escalations": "episodes handed to a person",
    "avg_wait_s": "mean seconds from queued to accepted by an agent",
    "wait_n": "accepted handoffs",
    "avg_handle_s": "mean seconds from accepted to ended (closed or handed back)",
    "handle_n": "handoffs accepted and ended",
    "kb_helpful": "% of rated knowledge-base answers the customer found helpful",
    "kb_n": "rated knowledge-base answers",
    "frustration": "mean frustration score (0..1) of the customers' messages",
    "frustration_n": "scored customer messages",
    "qa_score": "mean QA scorecard score (0-100; a supervisor's review score replaces the automatic one)",
    "qa_n": "episodes with a QA score",
}


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def _mean(values: list[float], digits: int = 2) -> float | None:
    return round(sum(values) / len(values), digits) if values else None


@dataclass
class _Group:
    episodes: int = 0
    fcr: int = 0
    contained: int = 0
    escalated: int = 0
    csat: list[int] = field(default_factory=list)
    nps: list[int] = field(default_factory=list)
    ces: list[int] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)
    handles: list[float] = field(default_factory=list)
    kb: list[bool] = field(default_factory=list)
    frustration: list[float] = field(default_factory=list)
    qa: list[float] = field(default_factory=list)

    def add(self, other: "_Group") -> None:
        for name in ("episodes", "fcr", "contained", "escalated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("csat", "nps", "ces", "waits", "handles", "kb", "frustration", "qa"):
            getattr(self, name).extend(getattr(other, name))

    def row(self, key: str) -> dict[str, Any]:
        n = self.episodes
        promoters = sum(1 for s in self.nps if s >= 9)
        detractors = sum(1 for s in self.nps if s <= 6)
        return {
            "key": key, "episodes": n,
            "csat": _pct(sum(1 for s in self.csat if s >= 4), len(self.csat)), "csat_mean": _mean(self.csat),
            "csat_n": len(self.csat),
            "nps": round(100.0 * (promoters - detractors) / len(self.nps), 1) if self.nps else None,
            "nps_n": len(self.nps),
            "ces": _mean(self.ces), "ces_n": len(self.ces),
            "fcr": _pct(self.fcr, n), "containment": _pct(self.contained, n),
            "escalation_rate": _pct(self.escalated, n), "escalations": self.escalated,
            "avg_wait_s": _mean(self.waits, 1), "wait_n": len(self.waits),
            "avg_handle_s": _mean(self.handles, 1), "handle_n": len(self.handles),
            "kb_helpful": _pct(sum(self.kb), len(self.kb)), "kb_n": len(self.kb),
            "frustration": _mean(self.frustration, 3), "frustration_n": len(self.frustration),
            "qa_score": _mean(self.qa, 1), "qa_n": len(self.qa),
        }


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


class Kpis:
    """Reads the hub database; one instance per store."""

    def __init__(self, store: Store, health: HealthDetector | None = None) -> None:
        self._session = sessionmaker(store.engine, expire_on_commit=False)
        # survey comments are shown with their health details hidden (issue 15, minimum necessary)
        self.health = health or HealthDetector()

    def _load(self, since: datetime, until: datetime):
        """Everything the KPIs of [since, until) need, in one session; each table asked of its owner."""
        with self._session() as session:
            episodes = episodes_closed(session, since, until)
            ids = sorted({e.conversation_id for e in episodes})
            every, surveys, handoffs, turns, kb, qa = [], [], [], [], [], []
            for chunk in _chunks(ids):
                every += episodes_of(session, chunk)
                surveys += SurveyStore.answered_scores(session, chunk)
                handoffs += HandoffStore.handoffs_of(session, chunk)
                turns += HandoffStore.turn_scores(session, chunk)
                kb += AnswerLog.feedback_of(session, chunk)
                qa += Scorecards.final_scores(session, chunk)
        return episodes, every, surveys, handoffs, turns, kb, qa

    def _measure(self, since: datetime, until: datetime) -> tuple[list[tuple[Closure, _Group]], Counter]:
        """Each episode closed in [since, until) with what it contributes, and the escalation reasons."""
        episodes, every, surveys, handoffs, turns, kb, qa = self._load(since, until)
        by_conversation: dict[str, list[Closure]] = defaultdict(list)
        for closure in sorted(every, key=lambda c: (c.closed_at, c.id)):
            by_conversation[closure.conversation_id].append(closure)
        groups = {e.id: _Group(episodes=1) for e in episodes}
        wanted = {e.id: e for e in episodes}
        reasons: Counter = Counter()

        for episode in episodes:
            group = groups[episode.id]
            later = [c for c in by_conversation[episode.conversation_id]
                     if c.first_message_id > episode.last_message_id and c.started_at <= episode.closed_at + timedelta(days=FCR_DAYS)]
            repeat = episode.intent is not None and any(c.intent == episode.intent for c in later)
            group.fcr = int(episode.resolved and not repeat)
            group.contained = int(episode.resolved and episode.contained)
            group.escalated = int(episode.escalated)

        for conversation_id, kind, score, asked_at in surveys:
            asked_at = aware(asked_at)
            owner = [c for c in by_conversation[conversation_id] if c.closed_at <= asked_at + timedelta(seconds=1)]
            if not owner or owner[-1].id not in wanted or score is None:
                continue
            bucket = {"csat": "csat", "nps": "nps", "ces": "ces"}.get(kind)
            if bucket:
                getattr(groups[owner[-1].id], bucket).append(int(score))

        def episode_at(conversation_id: str, at: datetime) -> Closure | None:
            at = aware(at)
            return next((c for c in by_conversation[conversation_id] if c.started_at <= at <= c.closed_at), None)

        for handoff in handoffs:
            episode = episode_at(handoff.conversation_id, handoff.created_at)
            if episode is None or episode.id not in wanted:
                continue
            group = groups[episode.id]
            for reason in handoff.reasons or []:
                name = reason.get("name") if isinstance(reason, dict) else reason
                reasons[str(name or "unknown")] += 1
            queued, accepted, ended = aware(handoff.queued_at), aware(handoff.accepted_at), aware(handoff.ended_at)
            if accepted is not None and queued is not None:
                group.waits.append((accepted - queued).total_seconds())
            if accepted is not None and ended is not None:
                group.handles.append((ended - accepted).total_seconds())

        for conversation_id, message_id, score in turns:
            episode = next((c for c in by_conversation[conversation_id]
                            if c.first_message_id <= message_id <= c.last_message_id), None)
            if episode is not None and episode.id in wanted and score is not None:
                groups[episode.id].frustration.append(float(score))

        for conversation_id, created_at, helpful in kb:
            episode = episode_at(conversation_id, created_at)
            if episode is not None and episode.id in wanted:
                groups[episode.id].kb.append(bool(helpful))

        for closure_id, score in qa:
            if closure_id in groups and score is not None:
                groups[closure_id].qa.append(float(score))

        return [(e, groups[e.id]) for e in episodes], reasons

    def report(self, start: date, end: date, by: str = "day") -> dict[str, Any]:
        """The KPIs of the episodes closed from ``start`` to ``end`` (UTC days, inclusive), by ``by``."""
        if by not in BY:
            raise ValueError(f"by must be one of {', '.join(BY)}")
        measured, _ = self._measure(*day_bounds(start, end))
        keyed: dict[str, _Group] = {}
        if by == "day":
            day = start
            while day <= end:
                keyed[day.isoformat()] = _Group()
                day += timedelta(days=1)
        total = _Group()
        for episode, group in measured:
            key = _key(episode, by)
            keyed.setdefault(key, _Group()).add(group)
            total.add(group)
        rows = [keyed[k].row(k) for k in (sorted(keyed) if by == "day" else
                                          sorted(keyed, key=lambda k: (-keyed[k].episodes, k)))]
        return {"from": start.isoformat(), "to": end.isoformat(), "by": by, "rows": rows,
                "totals": total.row("total"), "definitions": DEFINITIONS}

    def escalations(self, start: date, end: date) -> dict[str, Any]:
        measured, reasons = self._measure(*day_bounds(start, end))
        return {"from": start.isoformat(), "to": end.isoformat(), "episodes": len(measured),
                "escalations": sum(g.escalated for _, g in measured),
                "reasons": [{"reason": name, "count": count}
                            for name, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0]))]}


    def surveys(self, start: date, end: date, limit: int = 200) -> dict[str, Any]:
        """Answer distributions (score -> count), skips, and the customers' comments (newest first) of the
        surveys that follow the episodes closed from ``start`` to ``end``."""
        since, until = day_bounds(start, end)
        with self._session() as session:
            episodes = episodes_closed(session, since, until)
            ids = sorted({e.conversation_id for e in episodes})
            every, rows = [], []
            for chunk in _chunks(ids):
                every += episodes_of(session, chunk)
                rows += SurveyStore.responses_of(session, chunk)
        by_conversation: dict[str, list[Closure]] = defaultdict(list)
        for closure in sorted(every, key=lambda c: (c.closed_at, c.id)):
            by_conversation[closure.conversation_id].append(closure)
        wanted = {e.id for e in episodes}
        scales = {"csat": range(1, 6), "ces": range(1, 8), "nps": range(0, 11)}
        distribution = {kind: {str(n): 0 for n in scale} for kind, scale in scales.items()}
        skipped = {kind: 0 for kind in scales}
        comments = []
        csat_of: dict[int, int | None] = {}  # episode -> its CSAT score
        for row in rows:
            asked_at = aware(row.asked_at)
            owner = [c for c in by_conversation[row.conversation_id] if c.closed_at <= asked_at + timedelta(seconds=1)]
            if not owner or owner[-1].id not in wanted:
                continue
            episode = owner[-1]
            if row.kind == "csat" and row.status == "answered":
                csat_of[episode.id] = row.score
            if row.kind in scales and row.status == "answered" and row.score is not None:
                distribution[row.kind][str(row.score)] = distribution[row.kind].get(str(row.score), 0) + 1
            elif row.kind in scales and row.status == "skipped":
                skipped[row.kind] += 1
            elif row.kind == "comment" and row.comment:
                comments.append({"conversation_id": row.conversation_id, "closure_id": episode.id,
                                 "at": aware(row.answered_at or row.asked_at).isoformat(),
                                 "comment": hide_spans(row.comment, self.health.spans(row.comment)),
                                 "csat": csat_of.get(episode.id), "channel": episode.channel,
                                 "intent": episode.intent, "agent": episode.agent_name})
        comments.sort(key=lambda c: c["at"], reverse=True)
        return {"from": start.isoformat(), "to": end.isoformat(), "distribution": distribution, "skipped": skipped,
                "comments": comments[:limit]}


def _key(episode: Closure, by: str) -> str:
    if by == "day":
        return episode.closed_at.astimezone(timezone.utc).date().isoformat()
    if by == "channel":
        return episode.channel or "web"
    if by == "intent":
        return episode.intent or NO_INTENT
    if by == "agent":
        return episode.agent_name or BOT_ONLY
    return episode.client or "(unknown)"


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell a spreadsheet shows as text: a string that a spreadsheet would run as a formula (an agent
    named "=HYPERLINK(...)") gets a leading apostrophe (OWASP's CSV injection advice); numbers stay."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def to_csv(report: dict[str, Any]) -> str:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FIELDS)
    for row in [*report["rows"], report["totals"]]:
        writer.writerow([csv_cell(row[name]) for name in FIELDS])
    return out.getvalue()
