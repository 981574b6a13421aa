"""bench/frustration.py: metric functions and the scripted conversations it reads."""
import importlib.util

import pytest

from bot.frustration.metrics import best_threshold, f1_at
from bot.settings import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("bench_frustration", PROJECT_ROOT / "bench" / "frustration.py")
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


def test_prf_counts():
    gold = [True, True, True, False, False, False]
    predicted = [True, True, False, True, False, False]
    m = bench.prf(gold, predicted)
    assert (m["tp"], m["fp"], m["fn"], m["positives"]) == (2, 1, 1, 3)
    assert m["precision"] == pytest.approx(2 / 3) and m["recall"] == pytest.approx(2 / 3)
    assert m["f1"] == pytest.approx(2 / 3)
    assert bench.prf([True], [False])["f1"] == 0.0
    with pytest.raises(ValueError):
        bench.prf([True], [True, False])


def test_package_metrics_agree_with_the_bench():
    gold = [1, 0, 1, 1, 0, 0, 1]
    predicted = [1, 1, 0, 1, 0, 1, 1]
    precision, recall, f1 = f1_at(gold, predicted)
    m = bench.prf([bool(g) for g in gold], [bool(p) for p in predicted])
    assert (precision, recall, f1) == pytest.approx((m["precision"], m["recall"], m["f1"]))


def test_best_threshold_picks_the_f1_maximum():
    gold = [0, 0, 0, 1, 1, 1]
    probability = [0.1, 0.2, 0.45, 0.5, 0.7, 0.9]
    threshold, f1 = best_threshold(gold, probability)
    assert f1 == 1.0 and 0.45 < threshold <= 0.5


@pytest.mark.parametrize("first, handoff, outcome", [
    (2, 2, "exact"), (1, 2, "early_ok"), (3, 2, "late_ok"), (0, 2, "early"), (4, 2, "late"), (None, 2, "missed"),
])
def test_timing_outcome(first, handoff, outcome):
    assert bench.timing_outcome(first, handoff) == outcome


def test_first_escalation_and_right_turn_summary():
    assert bench.first_escalation([False, False, True, True]) == 2
    assert bench.first_escalation([False]) is None
    s = bench.right_turn_summary(["exact", "late_ok", "early", "missed"])
    assert s["right"] == 2 and s["right_rate"] == 0.5 and s["exact_rate"] == 0.25 and s["missed"] == 1


def test_false_escalations_and_percentile():
    assert bench.false_escalations_per_100([False] * 98 + [True] * 2) == 2.0
    assert bench.false_escalations_per_100([]) == 0.0
    values = list(range(1, 101))
    assert bench.percentile(values, 95) == 95 and bench.percentile(values, 50) == 50
    assert bench.percentile([7.0], 95) == 7.0


def test_scripted_conversations_are_complete():
    data = bench.load_conversations()
    assert len(data["escalate"]) >= 60 and len(data["calm"]) >= 100
    ids = [c["id"] for c in data["escalate"] + data["calm"]]
    assert len(ids) == len(set(ids))
    styles = {c["style"] for c in data["escalate"]}
    assert {"slow_burn", "sudden_anger", "repeated_failure", "asks_for_person", "sarcasm", "vip"} <= styles
    for conversation in data["escalate"] + data["calm"]:
        roles = {t["role"] for t in conversation["turns"]}
        assert roles == {"customer", "bot"} or conversation["turns"][0]["role"] == "customer"
        assert all(t["text"].strip() for t in conversation["turns"])
    # one scoring request per customer turn, each ending with that turn
    conversation = data["escalate"][0]
    requests = bench.prefixes(conversation)
    assert len(requests) == sum(t["role"] == "customer" for t in conversation["turns"])
    assert all(r["turns"][-1]["role"] == "customer" for r in requests)


def test_render_marks_missed_targets():
    results = {"conversations": {
        "right_turn": {half: bench.right_turn_summary(["exact", "missed"]) for half in ("all", "tuning", "held_out")}
        | {"by_style": {}},
        "false_escalations": {half: {"n": 10, "escalated": 1, "per_100": 10.0} for half in ("all", "tuning", "held_out")},
        "escalate_conversations": [], "calm_conversations": []}}
    table = bench.render(results)
    assert "50.0%" in table and "| NO |" in table and "10.0" in table
