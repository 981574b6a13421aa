"""`carebot frustration ...`: score messages and conversations, retrain the model.

    carebot frustration score [--config client.yml] [--model model.npz] [--threads 1] < lines.jsonl
    carebot frustration train [--limit N] [--epochs E] [--threads T] [--seed S] [--output PATH]

`score` reads JSON lines on stdin and writes one JSON line per input line on stdout:

    {"text": "..."}   ->  {"score": 0.91, "frustrated": true, "signals": ["shouting"], "model_score": 0.74}
    {"turns": [{"role": "customer"|"bot", "text": "...", "events": ["fallback"], "wait_s": 600,
                "intent": "order_status"}, ...], "customer": {"tier": "vip", "at_risk": false}}
                      ->  the last customer turn's score, frustrated, signals, plus
                          "escalate", "level" (calm|annoyed|angry), "reasons", "reason_details",
                          "trajectory" (every customer turn's score)

An "id" key in the input is copied to the output. Blank lines are skipped. A malformed line
(bad JSON, neither "text" nor "turns", wrong types) writes {"error": "...", "line": N} on
stdout in its place (so output line k still answers input line k), a message on stderr, and
the other lines are still scored; the exit code is then 1. Exit 2: the model cannot be loaded.
"""
from __future__ import annotations

import argparse
import json
import sys


def register(subparsers: argparse._SubParsersAction) -> None:
    frustration = subparsers.add_parser("frustration", help="frustration scores and escalation decisions")
    commands = frustration.add_subparsers(dest="frustration_command", required=True, metavar="FRUSTRATION_COMMAND")

    score = commands.add_parser("score", help="score JSON lines from stdin ({\"text\"} or {\"turns\"})")
    score.add_argument("--config", help="client file with the escalation: section (default: CAREBOT_CLIENT_FILE)")
    score.add_argument("--model", help="model file (default: bot/frustration/data/model.npz)")
    score.add_argument("--threads", type=int, default=1,
                       help="torch threads (default 1: short messages gain little from more, and on a busy "
                            "machine extra threads wait on each other)")
    score.set_defaults(handler=_score)

    train = commands.add_parser("train", help="retrain the model from the vendored GoEmotions splits")
    train.add_argument("--output", help="where to write the model (default: bot/frustration/data/model.npz)")
    train.add_argument("--limit", type=int, help="train on the first N rows only (a quick check)")
    train.add_argument("--epochs", type=float, help="encoder epochs (default 2)")
    train.add_argument("--threads", type=int, help="torch threads (default 2)")
    train.add_argument("--seed", type=int, help="random seed (default 0)")
    train.add_argument("--json", action="store_true", help="print the model's meta record as JSON")
    train.set_defaults(handler=_train)


def _fail(message: str, code: int) -> int:
    print(f"carebot frustration: {message}", file=sys.stderr)
    return code


def _quiet_model_loading() -> None:
    # Progress bars on stderr would bury the per-line error messages.
    import os

    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
    except ImportError:  # pragma: no cover
        pass


def _score(args: argparse.Namespace) -> int:
    from bot.frustration.config import EscalationConfigError, load_escalation_config
    from bot.frustration.scorer import FrustrationScorer, parse_customer, parse_turns
    from bot.frustration.text_model import DEFAULT_MODEL, ModelUnavailable, TextModel

    _quiet_model_loading()
    try:
        config = load_escalation_config(args.config)
    except EscalationConfigError as exc:
        return _fail(str(exc), 2)
    scorer = None
    failures = 0
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        try:
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ValueError(f"not valid JSON ({exc})") from None
            if not isinstance(item, dict):
                raise ValueError("expected a JSON object")
            if "turns" in item:
                turns = parse_turns(item["turns"])
                customer = parse_customer(item.get("customer"))
            elif "text" in item:
                if not isinstance(item["text"], str):
                    raise ValueError('"text" must be a string')
                turns = None
            else:
                raise ValueError('expected a "text" or a "turns" key')
        except ValueError as exc:
            failures += 1
            print(f"carebot frustration: line {number}: {exc}", file=sys.stderr)
            print(json.dumps({"error": str(exc), "line": number}), flush=True)
            continue
        if scorer is None:
            import torch

            torch.set_num_threads(max(1, args.threads))
            try:
                scorer = FrustrationScorer(TextModel.load(args.model or DEFAULT_MODEL), config)
            except ModelUnavailable as exc:
                return _fail(str(exc), 2)
        result = scorer.assess(turns, customer).to_dict() if turns is not None else scorer.score(item["text"]).to_dict()
        if "id" in item:
            result = {"id": item["id"], **result}
        print(json.dumps(result), flush=True)
    return 1 if failures else 0


def _train(args: argparse.Namespace) -> int:
    from bot.frustration.training import DEFAULT_OUTPUT, TrainOptions, train

    options = TrainOptions()
    for name in ("limit", "epochs", "threads", "seed"):
        if getattr(args, name) is not None:
            setattr(options, name, getattr(args, name))
    log = (lambda message: print(message, file=sys.stderr)) if args.json else print
    meta = train(options, args.output or DEFAULT_OUTPUT, log=log)
    if args.json:
        print(json.dumps(meta))
    return 0
