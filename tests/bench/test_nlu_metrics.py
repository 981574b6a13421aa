"""Metric helpers of bench/nlu.py (pure Python; Rasa is only imported when training)."""
import importlib.util

import pytest

from bot.settings import PROJECT_ROOT

spec = importlib.util.spec_from_file_location("bench_nlu", PROJECT_ROOT / "bench" / "nlu.py")
nlu = importlib.util.module_from_spec(spec)
spec.loader.exec_module(nlu)


def rec(gold, top, conf, second=0.0, predicted=None):
    return {"gold": gold, "top_intent": top, "confidence": conf, "second_confidence": second,
            "predicted": predicted or top, "latency_ms": 1.0}


def test_fallback_counts_as_out_of_scope():
    records = [
        rec("a", "a", 0.9),
        rec("a", "a", 0.3, predicted="nlu_fallback"),  # in-scope row, fallback: wrong
        rec("oos", "b", 0.2, predicted="nlu_fallback"),  # gold oos, fallback: right
        rec("oos", "b", 0.8),  # gold oos, confident: wrong
    ]
    gold = nlu.golds(records, "oos")
    m = nlu.accuracy_metrics(gold, nlu.predictions(records, "oos"))
    assert m["accuracy"] == 0.5
    assert m["in_scope_accuracy"] == 0.5
    assert m["oos_recall"] == 0.5
    assert m["fallback_rate"] == 0.5


def test_no_gold_oos_gives_no_recall():
    records = [rec("a", "a", 0.9), rec("b", "a", 0.9)]
    m = nlu.accuracy_metrics(nlu.golds(records, "oos"), nlu.predictions(records, "oos"))
    assert m["oos_recall"] is None
    assert nlu.pct(m["oos_recall"]) == "n/a"


def test_macro_f1_over_in_scope_intents():
    gold = ["a", "a", "b", "oos"]
    pred = ["a", "oos", "b", "b"]
    # a: tp1 fn1 -> 2/3 ; b: tp1 fp1 -> 2/3
    assert nlu.macro_f1(gold, pred, ["a", "b"]) == pytest.approx(0.6667, abs=1e-4)


def test_rethresholding_reproduces_the_fallback_rule():
    r = rec("a", "a", 0.50, second=0.47)
    assert nlu.is_oos_prediction(r, "oos", threshold=0.45, ambiguity=0.05)  # ambiguous
    assert not nlu.is_oos_prediction(r, "oos", threshold=0.45, ambiguity=0.0)
    assert nlu.is_oos_prediction(r, "oos", threshold=0.55, ambiguity=0.0)  # below threshold


def test_threshold_choice_is_the_highest_within_the_in_scope_fallback_budget():
    curve = [
        {"threshold": 0.3, "in_scope_fallback_rate": 0.0},
        {"threshold": 0.5, "in_scope_fallback_rate": 0.015},
        {"threshold": 0.6, "in_scope_fallback_rate": 0.02},
        {"threshold": 0.7, "in_scope_fallback_rate": 0.021},
    ]
    assert nlu.choose_threshold(curve) == 0.6
    assert nlu.choose_threshold([{"threshold": 0.2, "in_scope_fallback_rate": 0.5}]) == 0.0
    assert nlu.THRESHOLD_GRID[0] == 0.0 and nlu.THRESHOLD_GRID[-1] == 0.99 and len(nlu.THRESHOLD_GRID) == 100


def test_per_intent_sample_is_fixed(tmp_path):
    rows = [(f"text {i}", "a" if i % 2 else "b") for i in range(40)] + [("only", "c")]
    s1 = nlu.sample_per_intent(rows, 5, seed=42)
    assert s1 == nlu.sample_per_intent(rows, 5, seed=42)
    assert sorted(l for _, l in s1).count("a") == 5 and ("only", "c") in s1


def test_csv_accepts_label_or_category(tmp_path):
    (tmp_path / "a.csv").write_text('text,category\n"hi, there",greet\n')
    (tmp_path / "b.csv").write_text("label,text\ngreet,hello\n")
    assert nlu.read_csv(tmp_path / "a.csv") == [("hi, there", "greet")]
    assert nlu.read_csv(tmp_path / "b.csv") == [("hello", "greet")]


def test_entity_markup_in_text_is_neutralised(tmp_path):
    _, _, changed = nlu.write_rasa_project(tmp_path, [("see [this](link) now", "x"), ("plain", "x")])
    text = (tmp_path / "data" / "nlu.yml").read_text()
    assert changed == 1 and "[this](link)" not in text and 'intent: "x"' in text
