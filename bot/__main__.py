"""`python -m bot …`: the project's command line (run in the Python 3.11 runtime)."""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="banshi 办事助手命令行")
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="启动全部服务（Rasa、动作服务、控制台、一网通办沙箱）")
    run_parser.add_argument("--production", action="store_true", help="生产配置：由 nginx 网关统一对外，关闭 REST 渠道")
    run_parser.add_argument(
        "--scaled", action="store_true", help="扩展配置：Rasa 多个工作进程，跟踪库用 PostgreSQL，锁和渠道状态用 Redis"
    )
    sub.add_parser("train", help="训练 Rasa 模型（输入未变化时复用缓存）")
    sub.add_parser("model-path", help="打印当前输入对应的模型路径（必要时先训练）")
    sub.add_parser("lexicon", help="由 knowledge/ 重新生成 jieba 领域词典")
    retention = sub.add_parser("retention", help="删除超过保留期的对话、转人工记录和过期的身份绑定")
    retention.add_argument("--days", type=float, help="保留天数（默认 BANSHI_RETENTION_DAYS）")
    retention.add_argument("--every", type=float, help="每隔多少秒清理一次（不给则只清理一次）")
    sub.add_parser("staff", help="工作人员账号：add / list / roles / disable / enable / password", add_help=False)
    sub.add_parser(
        "kb", help="知识库：import / search / eval / tune / stats / publish / retire / unanswered", add_help=False
    )
    args, rest = parser.parse_known_args(argv)
    if args.command == "kb":
        from bot.knowledge.cli import main as kb

        return kb(rest)
    if args.command == "staff":
        from bot.staff.cli import main as staff

        return staff(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")

    if args.command == "run":
        from bot.ops.launcher import main as run

        return run(production=args.production, scaled=args.scaled)
    if args.command in ("train", "model-path"):
        from bot.ops.model_cache import ensure_model

        path = ensure_model(quiet=args.command == "model-path")
        if args.command == "model-path":
            print(path)
        return 0
    if args.command == "retention":
        from bot.retention import main as retention

        return retention(args.days, args.every)
    if args.command == "lexicon":
        from bot.language.lexicon import write_catalogue_dict

        print(write_catalogue_dict())
        return 0
    return 2


if __name__ == "__main__":
    sys.exit(main())
