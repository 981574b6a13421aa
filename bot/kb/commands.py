"""`carebot kb ...`: build and search the knowledge base.

    carebot kb build [--source DIR] [--index DIR] [--json]
    carebot kb search [--index DIR] [-k 5] "question"
    carebot kb search [--index DIR] [-k 5] --jsonl  < queries.jsonl > results.jsonl
    carebot kb answers [--conversation ID] [--limit 50] [--json]   what the bot answered, and the verdicts

JSON lines in:  {"id": ..., "query": ...}
JSON lines out: {"id": ..., "results": [{"article": ID, "passage": ..., "score": ...}, ...]}
A bad input line gets {"id": ..., "error": ...} in place of results (and a message on
stderr); the other lines are still answered and the exit code is 1.

Exit codes: 0 ok, 1 bad input (malformed article or query line, query too long), 2 no usable index.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path



def register(subparsers: argparse._SubParsersAction) -> None:
    kb = subparsers.add_parser("kb", help="knowledge base: build the index, search it")
    commands = kb.add_subparsers(dest="kb_command", required=True, metavar="KB_COMMAND")

    build = commands.add_parser("build", help="index the articles (only changed ones are re-embedded)")
    build.add_argument("--source", help="folder of Markdown articles (default: CAREBOT_KB_SOURCE or knowledge_base/)")
    build.add_argument("--index", help="index folder (default: CAREBOT_KB_INDEX or var/kb-index/)")
    build.add_argument("--json", action="store_true", help="print the counts as JSON")
    build.set_defaults(handler=_build)

    search = commands.add_parser("search", help="rank articles for a question")
    search.add_argument("question", nargs="?", help="the customer's question (omit with --jsonl)")
    search.add_argument("--index", help="index folder (default: CAREBOT_KB_INDEX or var/kb-index/)")
    search.add_argument("-k", type=int, default=5, help="results per question (default 5)")
    search.add_argument("--jsonl", action="store_true", help='read {"id", "query"} lines on stdin, write results as JSON lines')
    search.set_defaults(handler=_search)

    answers = commands.add_parser("answers", help="the answer log: questions, articles shown, scores, feedback")
    answers.add_argument("--conversation", help="only this conversation (oldest first)")
    answers.add_argument("--limit", type=int, default=50, help="latest N answers when no conversation is given")
    answers.add_argument("--json", action="store_true", help="one JSON object per answer, plus a summary line")
    answers.set_defaults(handler=_answers)


def _fail(message: str, code: int) -> int:
    print(f"carebot kb: {message}", file=sys.stderr)
    return code


def _build(args: argparse.Namespace) -> int:
    from bot.kb.articles import ArticleError
    from bot.kb.index import KbError, build_index

    settings = args.settings
    source = Path(args.source) if args.source else settings.kb_source
    index_dir = Path(args.index) if args.index else settings.kb_index
    try:
        report = build_index(source, index_dir)
    except ArticleError as exc:
        return _fail(str(exc), 1)
    except (KbError, OSError) as exc:
        return _fail(str(exc), 2)
    print(json.dumps(report.as_dict()) if args.json else report.summary())
    return 0


def _search(args: argparse.Namespace) -> int:
    from bot.kb.index import KbError
    from bot.kb.search import KnowledgeBase, QueryError, check_query

    if args.k < 1:
        return _fail("-k must be at least 1", 1)
    if args.jsonl == bool(args.question):
        return _fail('give either a question or --jsonl (queries on stdin), not both or neither', 1)
    if not args.jsonl:
        try:
            check_query(args.question)
        except QueryError as exc:
            return _fail(str(exc), 1)
    try:
        kb = KnowledgeBase(Path(args.index) if args.index else args.settings.kb_index)
    except KbError as exc:
        return _fail(str(exc), 2)
    if not args.jsonl:
        hits = kb.search(args.question, k=args.k)
        if not hits:
            print("no matching articles")
        for rank, hit in enumerate(hits, 1):
            where = f" > {hit.heading}" if hit.heading else ""
            print(f"{rank}. [{hit.score:.3f}] {hit.article_id}: {hit.title}{where}")
            print(f"   {hit.url}")
            snippet = " ".join(hit.passage.split())
            print(f"   {snippet[:200]}{'...' if len(snippet) > 200 else ''}")
        return 0
    failed = False
    for number, line in enumerate(sys.stdin, 1):
        if not line.strip():
            continue
        query_id = None
        try:
            row = json.loads(line)
            if not isinstance(row, dict) or "query" not in row:
                raise ValueError('expected an object with "id" and "query"')
            query_id = row.get("id")
            hits = kb.search(row["query"], k=args.k)
        except (ValueError, QueryError) as exc:
            failed = True
            message = f"line {number}: {exc}"
            print(f"carebot kb: {message}", file=sys.stderr)
            print(json.dumps({"id": query_id, "error": message}), flush=True)
            continue
        results = [
            {"article": h.article_id, "passage": h.passage, "score": round(h.score, 4), "title": h.title, "url": h.url}
            for h in hits
        ]
        print(json.dumps({"id": query_id, "results": results}), flush=True)
    return 1 if failed else 0


def _answers(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import SQLAlchemyError

    from bot.kb.answers import AnswerLog

    try:
        log = AnswerLog(args.settings.hub_db_url, keys=args.settings.data_keys)
        try:
            log.create_schema()  # like the other commands on the hub database: a new one gets its tables
            rows = log.for_conversation(args.conversation) if args.conversation else log.latest(args.limit)
            summary = log.helpfulness()
        finally:
            log.close()
    except SQLAlchemyError as exc:
        return _fail(f"hub database unavailable ({type(exc).__name__})", 2)
    if args.json:
        for row in rows:
            print(json.dumps(row))
        print(json.dumps({"summary": summary}))
        return 0
    for row in rows:
        verdict = {True: "helped", False: "did not help", None: "no verdict"}[row["helpful"]]
        shown = row["shown_article"] or ", ".join(r["article"] for r in row["results"][:3]) or "-"
        print(f"{row['created_at'][:19]}  {row['conversation_id'][:12]:12}  {row['outcome']:9}  "
              f"{row['top_score'] if row['top_score'] is not None else '-':>6}  {verdict:12}  {shown}")
        print(f"    {row['query'][:100]}")
    rate = summary["helpful_rate"]
    print(f"{summary['answers']} answers shown, {summary['rated']} rated, "
          f"{summary['helpful']} helped ({'n/a' if rate is None else f'{rate:.0%}'})")
    return 0
