"""bench/nlu_report.py on `rasa test nlu` output files (format of Rasa 3.6)."""
import json
import subprocess
import sys

from bot.settings import PROJECT_ROOT

SCRIPT = PROJECT_ROOT / "bench" / "nlu_report.py"


def _intent_report(labels):
    report = {name: {"precision": p, "recall": r, "f1-score": f, "support": n, "confused_with": cw}
              for name, (p, r, f, n, cw) in labels.items()}
    report["accuracy"] = 0.8
    report["macro avg"] = {"precision": 0.8, "recall": 0.8, "f1-score": 0.75, "support": 30}
    report["weighted avg"] = {"precision": 0.8, "recall": 0.8, "f1-score": 0.78, "support": 30}
    report["micro avg"] = {"precision": 0.8, "recall": 0.8, "f1-score": 0.8, "support": 30}
    return report


def _error(text, gold, predicted, confidence):
    return {"text": text, "intent": gold, "intent_prediction": {"name": predicted, "confidence": confidence}}


def test_report_from_cv_and_holdout(tmp_path):
    cv = tmp_path / "nlu-cv"
    cv.mkdir()
    labels = {f"intent_{i:02d}": (0.9, 0.9, 0.5 + i / 40, 2, {}) for i in range(12)}
    labels["delivery_late"] = (0.5, 0.4, 0.1, 5, {"delivery_missing": 3})
    (cv / "intent_report.json").write_text(json.dumps(_intent_report(labels)))
    errors = [_error("still not here | where is it", "delivery_late", "delivery_missing", 0.3)] * 3
    errors.append(_error("hmm", "intent_00", "intent_01", 0.9))
    (cv / "intent_errors.json").write_text(json.dumps(errors))
    (cv / "DIETClassifier_report.json").write_text(json.dumps(
        {"order_id": {"precision": 1.0, "recall": 0.95, "f1-score": 0.97, "support": 20}}))

    config = tmp_path / "config.yml"  # the report counts errors below this config's fallback threshold
    config.write_text("pipeline:\n  - name: FallbackClassifier\n    threshold: 0.45\n")
    result = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path), "--config", str(config)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    md = result.stdout
    assert "| 5-fold cross-validation (data/nlu) | 30 | 13 | 80.0 | 75.0 | 78.0 | 4 | 3 / 4 |" in md
    assert "held-out set (tests/nlu_holdout): no `intent_report.json`" in md
    worst = md.split("worst intents by F1")[1].split("## Most common")[0]
    rows = [line for line in worst.splitlines() if line.startswith("| ") and "---" not in line][1:]
    assert len(rows) == 10 and rows[0].startswith("| delivery_late | 50.0 | 40.0 | 10.0 | 5 | delivery_missing (3)")
    assert "| delivery_late | delivery_missing | 3 | still not here \\| where is it |" in md
    assert "| order_id | 100.0 | 95.0 | 97.0 | 20 |" in md


def test_no_results_fails(tmp_path):
    result = subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "not run yet" in result.stdout
