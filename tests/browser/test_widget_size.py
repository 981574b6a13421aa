"""The widget's download budget: widget.js + widget.css under 40 KB gzipped (no browser needed)."""
from __future__ import annotations

import gzip
from pathlib import Path

WIDGET = Path(__file__).resolve().parents[2] / "widget"
BUDGET = 40 * 1024


def test_widget_fits_the_gzip_budget():
    files = [(WIDGET / name).read_bytes() for name in ("widget.js", "widget.css")]
    raw = sum(len(data) for data in files)
    size = sum(len(gzip.compress(data, compresslevel=9)) for data in files)  # served as two files
    print(f"widget.js + widget.css: {raw:,} bytes, {size:,} bytes gzipped (budget {BUDGET:,})")
    assert size < BUDGET
