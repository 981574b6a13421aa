"""Row ids in URLs and query strings: whole numbers a database column holds, or a 422 before any query."""
from __future__ import annotations

from typing import Annotated

from fastapi import Path

from bot.db import ROW_ID_MAX

RowId = Annotated[int, Path(ge=1, le=ROW_ID_MAX)]
