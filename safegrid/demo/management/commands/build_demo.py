"""manage.py build_demo: the demo county 赫山区 with towns, villages, grids, departments and users."""

import unicodedata

from django.core.management.base import BaseCommand, CommandError

from safegrid.demo import builder


class Command(BaseCommand):
    help = "构建演示区县(湖南省益阳市赫山区)：乡镇街道、村社区、网格、部门和各角色演示账号。可重复执行。"

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=builder.DEFAULT_SEED,
                            help=f"随机种子，决定边界与名称 (default {builder.DEFAULT_SEED})")
        parser.add_argument("--small", action="store_true", help="只建 3 个乡镇街道(用于测试)")
        parser.add_argument("--quiet", action="store_true", help="不输出进度与账号表")

    def handle(self, *args, seed, small, quiet, **options):
        say = (lambda message: None) if quiet else self.stdout.write
        try:
            result = builder.build_demo(seed=seed, small=small, log=say)
        except builder.DemoError as exc:
            raise CommandError(str(exc)) from exc
        if result.created:
            say(self.style.SUCCESS(f"演示数据已建成 demo built in {result.seconds:.1f} s"))
        else:
            say(self.style.WARNING(
                "演示区县已存在，未作改动 the demo county exists, nothing changed. "
                "如需重建，请删除 data/safegrid.sqlite3(或 PostgreSQL 数据库)后执行 migrate 与 build_demo。"))
        say(" ".join(f"{key}={value}" for key, value in result.counts.items()))
        say(format_logins(builder.logins()))


HEADERS = ("用户名 Username", "角色 Role", "密码 Password", "辖区 Scope")


def format_logins(logins):
    rows = [HEADERS] + [(x.username, x.role, x.password, x.scope) for x in logins]
    widths = [max(text_width(row[i]) for row in rows) for i in range(len(HEADERS) - 1)]
    lines = ["  ".join(pad(cell, width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
             for row in rows]
    rule = "-" * max(text_width(line) for line in lines)
    return "\n".join(["演示账号 Demo logins", rule, lines[0], rule, *lines[1:], rule])


def text_width(text):
    """Columns on a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text, width):
    return text + " " * (width - text_width(text))
