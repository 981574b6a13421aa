"""bench/nlu.py end to end on a tiny synthetic dataset (4 intents x 12 examples, 2 epochs).

Runs the real pipeline from config.yml in the Rasa environment, so it checks the conversion,
training, parsing and every reported metric; the numbers themselves are not judged.
"""
import csv
import json
import os
import subprocess

from bot.settings import PROJECT_ROOT

RASA_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"
SCRIPT = PROJECT_ROOT / "bench" / "nlu.py"

INTENTS = {
    "track_parcel": [
        "where is my parcel", "track my package please", "has my parcel shipped yet",
        "what's the tracking number for my box", "i want to follow my delivery", "parcel location?",
        "when does my package arrive", "is my order on the truck", "show me where my box is",
        "tracking info for my shipment", "my parcel hasn't moved in days", "where's the package now",
        "can you track the delivery", "did the courier pick up my parcel",
    ],
    "book_table": [
        "book a table for two", "reserve a table tonight", "i need a dinner reservation",
        "table for 4 at 8pm", "can i reserve a spot for friday", "make a booking for lunch",
        "get me a table by the window", "reservation for six people", "book dinner for saturday",
        "any tables free tomorrow", "save us a table please", "i'd like to book a table",
        "reserve seats for brunch", "table booking for my birthday",
    ],
    "weather": [
        "will it rain today", "what's the weather like", "is it sunny tomorrow",
        "temperature outside right now", "do i need an umbrella", "forecast for the weekend",
        "how cold is it", "is it going to snow", "weather in boston", "will it be windy later",
        "what's the humidity", "is there a storm coming", "how hot will it get", "rain forecast please",
    ],
    "play_music": [
        "play some jazz", "put on my playlist", "i want to hear rock music", "play the latest hits",
        "start some relaxing songs", "music please", "play something by queen", "shuffle my favourites",
        "turn on the radio", "play a song for running", "can you play classical music",
        "put some music on", "play lo-fi beats", "i'd like to listen to pop",
    ],
}
OUT_OF_SCOPE = ["what is the capital of peru", "write me a poem about cheese"]
METRIC_KEYS = {
    "n_train", "n_test", "n_intents", "epochs", "accuracy", "in_scope_accuracy", "oos_recall",
    "macro_f1", "accuracy_without_fallback", "fallback_rate", "train_seconds", "diet_seconds",
    "diet_seconds_per_epoch", "model_load_seconds", "latency_median_ms", "latency_p95_ms",
}
TABLE_ROWS = [
    "n_train", "n_test", "epochs (DIETClassifier)", "accuracy (%)", "in-scope accuracy (%)",
    "out-of-scope recall (%)", "macro-F1, in-scope intents (%)", "training time (s)",
    "parse latency median (ms)", "parse latency p95 (ms)",
]


def _write(path, rows, label_col):
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", label_col])
        writer.writerows(rows)


def test_nlu_bench_end_to_end(tmp_path):
    train = [(t, i) for i, texts in INTENTS.items() for t in texts[:12]]
    test = [(t, i) for i, texts in INTENTS.items() for t in texts[12:]] + [(t, "oos") for t in OUT_OF_SCOPE]
    _write(tmp_path / "train.csv", train, "category")  # Banking77 style header
    _write(tmp_path / "test.csv", test, "label")
    out = tmp_path / "run"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run(
        [str(RASA_PYTHON), str(SCRIPT), "--train", str(tmp_path / "train.csv"), "--test",
         str(tmp_path / "test.csv"), "--epochs", "2", "--out", str(out)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]

    table = result.stdout
    for row in TABLE_ROWS:
        assert f"| {row} |" in table, f"missing table row {row!r}:\n{table}"

    results = json.loads((out / "results.json").read_text())
    metrics = results["metrics"]
    assert METRIC_KEYS <= metrics.keys()
    assert metrics["n_train"] == 48 and metrics["n_test"] == 10 and metrics["n_intents"] == 4
    assert metrics["epochs"] == 2
    for key in ("accuracy", "in_scope_accuracy", "oos_recall", "macro_f1"):
        assert 0.0 <= metrics[key] <= 1.0, key
    assert metrics["train_seconds"] > 0 and metrics["latency_p95_ms"] >= metrics["latency_median_ms"] > 0
    assert (out / "models" / "nlu.tar.gz").exists()
    assert len((out / "predictions.jsonl").read_text().splitlines()) == 10
