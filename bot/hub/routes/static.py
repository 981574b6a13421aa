"""The widget files and the demo storefront page."""
from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

from bot.hub.errors import ApiError


def build(widget_dir: Path) -> tuple[APIRouter, StaticFiles, StaticFiles, StaticFiles, StaticFiles]:
    """Routes for ``/`` and ``/demo/``, plus the ``/widget``, ``/console`` (agent console), ``/dashboard``
    (supervisor dashboard) and ``/staff`` (the JavaScript modules both import) static mounts."""
    router = APIRouter(include_in_schema=False)
    demo_page = widget_dir / "demo" / "index.html"

    @router.get("/")
    async def root() -> RedirectResponse:
        return RedirectResponse("/demo/", status_code=307)

    @router.get("/demo")
    async def demo_no_slash() -> RedirectResponse:
        return RedirectResponse("/demo/", status_code=307)

    @router.get("/demo/")
    async def demo() -> FileResponse:
        if not demo_page.is_file():
            raise ApiError(404, "not_found", "The demo page is not installed.")
        return FileResponse(demo_page, media_type="text/html; charset=utf-8",
                            headers={"Cache-Control": "no-cache"})

    @router.get("/console")
    async def console_no_slash() -> RedirectResponse:
        return RedirectResponse("/console/", status_code=307)

    @router.get("/dashboard")
    async def dashboard_no_slash() -> RedirectResponse:
        return RedirectResponse("/dashboard/", status_code=307)

    return (router, StaticFiles(directory=widget_dir, check_dir=False),
            StaticFiles(directory=widget_dir / "console", html=True, check_dir=False),
            StaticFiles(directory=widget_dir / "dashboard", html=True, check_dir=False),
            StaticFiles(directory=widget_dir / "staff", check_dir=False))
