import datetime
import time

from django.core.management.base import BaseCommand, CommandError

from safegrid.hazards.generator import generate_hazards


class Command(BaseCommand):
    help = ("生成多年的隐患数据(确定性) / generate hazards over several years for the enterprises in the database, "
            "e.g. after generate_city: manage.py generate_hazards --count 2000000")

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=2_000_000, help="隐患条数")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--years", type=int, default=3, help="上报日期分布的年数")
        parser.add_argument("--today", type=datetime.date.fromisoformat, default=None,
                            help="业务日期 YYYY-MM-DD(默认今天)：状态、超期按这一天生成")

    def handle(self, *args, count, seed, years, today, **options):
        if count < 0 or years < 1:
            raise CommandError("--count 不能为负数，--years 至少为 1。")
        started = time.perf_counter()
        counts = generate_hazards(count, seed=seed, today=today, years=years)
        seconds = time.perf_counter() - started
        self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()) + f" seconds={seconds:.1f}")
