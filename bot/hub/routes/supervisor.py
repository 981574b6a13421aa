"""The supervisors' API (docs/kpis.md): care KPIs (JSON and CSV), escalation reasons, QA scorecards and reviews.

Thin over `bot.kpis.metrics.Kpis` and `bot.qa.scorecards.Scorecards`. The agent console's session
cookie; only role `supervisor` (no session: 401, an agent: 403).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from bot.agents.directory import Agent
from bot.hub.errors import ApiError
from bot.conversations.messages import to_wire
from bot.hub.routes.agent import COOKIE, _body, audit, check_staff_write, session_agent
from bot.hub.routes.ids import RowId
from bot.hub.services import Hub, get_hub
from bot.privacy.audit import TRANSCRIPT
from bot.kpis.metrics import BY, MAX_RANGE_DAYS, day_bounds, to_csv
from bot.qa.scorecards import ReviewError

router = APIRouter(prefix="/api/supervisor")

DEFAULT_DAYS = 30
MAX_LIMIT = 500


async def current_supervisor(request: Request, hub: Hub = Depends(get_hub)) -> Agent:
    check_staff_write(request)
    agent = await session_agent(hub, request.cookies.get(COOKIE))
    if agent is None:
        raise ApiError(401, "not_logged_in", "Please log in to the agent console.")
    if agent.role != "supervisor":
        raise ApiError(403, "forbidden", "Only supervisors can see KPIs and QA scorecards.")
    return agent


def _date(value: str | None, name: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        if len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(422, "invalid_date", f"'{name}' must be a date as YYYY-MM-DD (got {value[:40]!r}).") from None


def date_range(request: Request) -> tuple[date, date]:
    """`from` and `to` (inclusive UTC days); default: the last 30 days ending today."""
    start, end = _date(request.query_params.get("from"), "from"), _date(request.query_params.get("to"), "to")
    end = end or ((start + timedelta(days=DEFAULT_DAYS - 1)) if start else datetime.now(timezone.utc).date())
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ApiError(422, "invalid_range", "'from' must be on or before 'to'.")
    if (end - start).days + 1 > MAX_RANGE_DAYS:
        raise ApiError(422, "invalid_range", f"The range may cover at most {MAX_RANGE_DAYS} days.")
    return start, end


def _by(request: Request) -> str:
    by = request.query_params.get("by") or "day"
    if by not in BY:
        raise ApiError(422, "invalid_by", f"'by' must be one of {', '.join(BY)}.")
    return by


def _limit(request: Request, default: int = 50) -> int:
    raw = request.query_params.get("limit") or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise ApiError(422, "invalid_limit", f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    return int(raw)


async def _report(request: Request, hub: Hub) -> dict[str, Any]:
    (start, end), by = date_range(request), _by(request)
    report = await anyio.to_thread.run_sync(hub.kpis.report, start, end, by)
    report["client"] = hub.closures.client
    return report


@router.get("/kpis")
async def kpis(request: Request, _: Agent = Depends(current_supervisor), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    return await _report(request, hub)


@router.get("/kpis.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
async def kpis_csv(request: Request, _: Agent = Depends(current_supervisor), hub: Hub = Depends(get_hub)) -> Response:
    report = await _report(request, hub)
    filename = f"kpis-{report['from']}-{report['to']}-{report['by']}.csv"
    return Response(to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/escalations")
async def escalations(request: Request, _: Agent = Depends(current_supervisor),
                      hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    start, end = date_range(request)
    return await anyio.to_thread.run_sync(hub.kpis.escalations, start, end)


@router.get("/surveys")
async def surveys(request: Request, _: Agent = Depends(current_supervisor),
                  hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    (start, end), limit = date_range(request), _limit(request, default=200)
    return await anyio.to_thread.run_sync(hub.kpis.surveys, start, end, limit)


@router.get("/qa")
async def qa(request: Request, _: Agent = Depends(current_supervisor), hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    (start, end), limit = date_range(request), _limit(request)
    since, until = day_bounds(start, end)
    cards = await anyio.to_thread.run_sync(hub.scorecards.lowest, since, until, limit)
    return {"from": start.isoformat(), "to": end.isoformat(), "scorecards": cards}


@router.get("/qa/{scorecard_id}")
async def qa_detail(scorecard_id: RowId, supervisor: Agent = Depends(current_supervisor),
                    hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    card = await anyio.to_thread.run_sync(hub.scorecards.get, scorecard_id)
    if card is None:
        raise ApiError(404, "unknown_scorecard", "No scorecard with this id.")
    transcript = await anyio.to_thread.run_sync(hub.scorecards.transcript, scorecard_id) or []
    await audit(hub, supervisor, TRANSCRIPT, card["conversation_id"], {"scorecard": scorecard_id})
    limit = hub.settings.max_message_chars
    return {"scorecard": card, "transcript": [to_wire(m, text_limit=limit) for m in transcript]}


@router.post("/qa/{scorecard_id}/review")
async def qa_review(scorecard_id: RowId, request: Request, supervisor: Agent = Depends(current_supervisor),
                    hub: Hub = Depends(get_hub)) -> dict[str, Any]:
    data = await _body(request)
    try:
        card = await anyio.to_thread.run_sync(
            lambda: hub.scorecards.review(scorecard_id, supervisor.id, supervisor.name,
                                          score=data.get("score"), comment=data.get("comment")))
    except ReviewError as exc:
        raise ApiError(422, "invalid_review", str(exc)) from None
    if card is None:
        raise ApiError(404, "unknown_scorecard", "No scorecard with this id.")
    return {"scorecard": card}
