"""The threshold rule of bench/fallback_threshold.py (pure Python)."""
import importlib.util
import sys

from bot.settings import PROJECT_ROOT

sys.path.insert(0, str(PROJECT_ROOT / "bench"))
spec = importlib.util.spec_from_file_location("bench_fallback_threshold", PROJECT_ROOT / "bench" / "fallback_threshold.py")
ft = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ft)


def row(t, a, oos, caught, acc, in_scope_fallback):
    return {"threshold": t, "ambiguity_threshold": a, "oos_recall": oos, "caught_error_share": caught,
            "in_scope_accuracy": acc, "in_scope_fallback_rate": in_scope_fallback}


def test_the_most_out_of_scope_recall_within_the_in_scope_fallback_budget():
    grid = [row(0.0, 0.0, 0.6, 0.0, 0.86, 0.0), row(0.2, 0.0, 0.7, 0.05, 0.85, 0.014),
            row(0.3, 0.0, 0.8, 0.10, 0.84, 0.035), row(0.2, 0.1, 0.7, 0.2, 0.84, 0.019)]
    chosen = ft.choose(grid)
    assert (chosen["threshold"], chosen["ambiguity_threshold"]) == (0.2, 0.1)  # same recall, more errors caught
    assert not ft.within_budget(grid[2])


def test_records_give_the_in_scope_fallback_rate():
    recs = [{"gold": "a", "top_intent": "a", "confidence": 0.9, "second_confidence": 0.0, "predicted": "a"},
            {"gold": "a", "top_intent": "b", "confidence": 0.1, "second_confidence": 0.0, "predicted": "nlu_fallback"},
            {"gold": "out_of_scope", "top_intent": "a", "confidence": 0.1, "second_confidence": 0.0, "predicted": "x"}]
    pair = ft.evaluate_pair(recs, 0.2, 0.0)
    assert pair["in_scope_fallback_rate"] == 0.5 and pair["oos_recall"] == 1.0 and pair["caught_error_share"] == 1.0
