"""`python -m bot kb …`: the editors' and developers' commands for the knowledge base."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.knowledge.config import KnowledgeSettings

DESCRIPTION = "知识库：导入指南和问答表、检索、评测、统计"


def _settings() -> KnowledgeSettings:
    return KnowledgeSettings.from_env()


def cmd_import(args: argparse.Namespace) -> int:
    from bot.knowledge.importer import import_paths
    from bot.knowledge.index import WriterBusy

    try:
        report = import_paths([Path(p) for p in args.paths], _settings(), draft=args.draft, progress=not args.quiet)
    except WriterBusy as error:
        print(error, file=sys.stderr)
        return 3
    for line in report.errors:
        print(f"跳过 {line}", file=sys.stderr)
    print(
        f"文档：新增 {report.documents_added}，更新 {report.documents_changed}，未变 {report.documents_unchanged}，"
        f"下线 {report.documents_retired}；知识单元：新增 {report.units_added}，下线 {report.units_retired}；"
        f"新编码 {report.entries_embedded} 条；索引版本 {report.generation}；用时 {report.seconds:.1f} 秒"
    )
    return 1 if report.errors and not (report.changed or report.documents_unchanged) else 0


def _print_hits(query: str, result, as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                [hit.as_dict() | {"confidence": round(result.confidence, 4)} for hit in result.hits], ensure_ascii=False
            )
        )
        return
    print(f"问：{query}  （置信度 {result.confidence:.2f}，判断：{result.decision}）")
    for rank, hit in enumerate(result.hits, start=1):
        print(f"  {rank}. [{hit.score:.3f}] {hit.citation}")
        print(f"     {hit.text[:120].replace(chr(10), ' ')}")


def cmd_search(args: argparse.Namespace) -> int:
    from bot.knowledge.retriever import get_retriever

    retriever = get_retriever(_settings().db_url)
    if args.file:
        lines = Path(args.file).read_text(encoding="utf-8").splitlines()
        queries = [line.strip() for line in lines if line.strip()]
    elif args.query:
        queries = [args.query]
    else:
        print("请给出一个问题，或用 --file 指定问题文件（每行一个）", file=sys.stderr)
        return 2
    for query in queries:
        _print_hits(
            query,
            retriever.search(query, k=args.k, service_code=args.service),
            args.json or bool(args.file and args.json),
        )
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from bot.knowledge.evaluation import EVAL_FILE, evaluate, load_eval_set
    from bot.knowledge.retriever import get_retriever

    path = Path(args.file) if args.file else EVAL_FILE
    eval_set = load_eval_set(path)
    scores = evaluate(get_retriever(_settings().db_url), eval_set)
    if args.json:
        print(json.dumps([s.as_dict() for s in scores], ensure_ascii=False, indent=2))
        return 0
    print(f"评测集：{path}（知识库内 {len(eval_set.questions)} 题，库外 {len(eval_set.out_of_kb)} 题）")
    print(f"{'mode':<8} {'Recall@1':>9} {'Recall@5':>9} {'MRR':>7} {'abstain P':>10} {'abstain R':>10}")
    for s in scores:
        print(
            f"{s.mode:<8} {s.recall_at_1:>9.3f} {s.recall_at_5:>9.3f} {s.mrr:>7.3f} {s.abstain_precision:>10.3f} {s.abstain_recall:>10.3f}"
        )
    print("Recall@1 把拒答计为未命中；abstain P = 拒答中确属库外的比例，abstain R = 库外问题被拒答的比例（仅 hybrid）")
    if args.misses:
        for question, expected, got in scores[-1].misses:
            print(f"  ✗ {question}\n      期望 {expected}\n      得到 {got}")
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    from bot.knowledge.evaluation import DEV_FILE, load_eval_set, tune
    from bot.knowledge.ranking import MODEL_FILE, save_model
    from bot.knowledge.retriever import get_retriever

    model = tune(get_retriever(_settings().db_url), load_eval_set(Path(args.file) if args.file else DEV_FILE))
    print(json.dumps(model.as_dict(), ensure_ascii=False, indent=2))
    if args.write:
        save_model(model)
        print(f"已写入 {MODEL_FILE}")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    from bot.knowledge.stats import collect

    stats = collect(_settings())
    if args.json:
        print(json.dumps(stats, ensure_ascii=False, indent=2))
        return 0
    for key, value in stats.items():
        print(f"{key}: {value}")
    return 0


def cmd_status(args: argparse.Namespace, status: str) -> int:
    from bot.knowledge.importer import set_status

    changed = set_status(args.sources, status, _settings())
    print("\n".join(changed) if changed else "没有需要变更的文档")
    return 0


def cmd_unanswered(args: argparse.Namespace) -> int:
    from bot.knowledge.answering import recent_unanswered

    for row in recent_unanswered(args.limit, _settings().db_url):
        print(f"{row.created_at:%Y-%m-%d %H:%M}  [{row.outcome} {row.confidence:.2f}]  {row.question}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot kb", description=DESCRIPTION)
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("import", help="导入 Markdown 指南、CSV/XLSX 问答表或整个目录（幂等）")
    p.add_argument("paths", nargs="+")
    p.add_argument("--draft", action="store_true", help="作为草稿导入，发布前不参与检索")
    p.add_argument("--quiet", action="store_true", help="不显示进度条")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("search", help="检索：显示排名、分数和出处")
    p.add_argument("query", nargs="?")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true", help="输出 JSON（每个问题一行）")
    p.add_argument("--file", help="批量：每行一个问题")
    p.add_argument("--service", help="优先某个一件事（事项代码）")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("eval", help="评测：稠密、BM25、混合检索的 Recall@1/5、MRR 和拒答精度")
    p.add_argument("--file", help="评测集（默认 eval/kb_questions.yml）")
    p.add_argument("--misses", action="store_true", help="列出混合检索未命中的问题")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("tune", help="在开发集上校准排序和置信度（默认 eval/kb_dev.yml）")
    p.add_argument("--file")
    p.add_argument("--write", action="store_true", help="写入 bot/knowledge/ranking.json")
    p.set_defaults(func=cmd_tune)

    p = sub.add_parser("stats", help="统计：文档、知识单元、索引、未答问题")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)

    p = sub.add_parser("publish", help="发布草稿文档（按来源路径）")
    p.add_argument("sources", nargs="+")
    p.set_defaults(func=lambda a: cmd_status(a, "published"))

    p = sub.add_parser("retire", help="下线文档（按来源路径），其单元立即退出检索")
    p.add_argument("sources", nargs="+")
    p.set_defaults(func=lambda a: cmd_status(a, "retired"))

    p = sub.add_parser("unanswered", help="最近未能回答或低置信度的问题（已脱敏）")
    p.add_argument("--limit", type=int, default=50)
    p.set_defaults(func=cmd_unanswered)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
