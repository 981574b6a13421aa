"""`carebot kpis` over the seeded database: the table, --json and --csv."""
from __future__ import annotations

import json

from bot.cli import main
from tests.kpis.seed import seed


def test_kpis_command(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    seed(url).store.close()
    monkeypatch.setenv("CAREBOT_HUB_DB_URL", url)
    assert main(["kpis", "--from", "2026-03-02", "--to", "2026-03-03", "--by", "channel", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["totals"]["nps"] == 25.0 and [r["key"] for r in report["rows"]][0] == "web"
    assert main(["kpis", "--from", "2026-03-02", "--to", "2026-03-03", "--csv"]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("total,6,50.0,3.5,4,25.0,")
    assert main(["kpis", "--from", "2026-03-02", "--to", "2026-03-03"]) == 0
    table = capsys.readouterr().out.splitlines()
    assert table[0].split()[:3] == ["key", "n", "CSAT%"] and table[-1].split()[:4] == ["total", "6", "50.0", "25.0"]
    assert main(["kpis", "--from", "2026-03-05", "--to", "2026-03-01"]) == 2


def test_qa_recompute_command(tmp_path, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    seed(url).store.close()
    monkeypatch.setenv("CAREBOT_HUB_DB_URL", url)
    assert main(["qa", "recompute", "--from", "2026-03-01", "--to", "2026-03-03"]) == 0
    assert json.loads(capsys.readouterr().out)["recomputed"] == 7  # E0..E6
