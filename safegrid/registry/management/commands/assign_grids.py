"""manage.py assign_grids [--county CODE ...]: re-assign enterprises to grids from their coordinates.

Calls services.bulk_assign_grids (STRtree point-in-polygon, manual overrides kept, one audit
event per run). Without --county every county with grids is processed in one run.
"""

import time

from django.core.management.base import CommandError

from safegrid.ops.periodic import PeriodicCommand
from safegrid.regions.models import Grid, Region, RegionLevel
from safegrid.registry import services


class Command(PeriodicCommand):
    help = "按坐标把生产经营单位批量落到网格(保留人工指定) / bulk-assign enterprises to grids"

    def job_name(self, options):
        return None if options.get("counties") else "assign_grids"  # a county run by hand is not the nightly job

    def add_arguments(self, parser):
        parser.add_argument("--county", action="append", dest="counties", metavar="CODE",
                            help="区县代码(6 位)，可重复；缺省为全部有网格的区县")

    def handle(self, *args, counties=None, **options):
        codes = sorted(set(counties or Grid.objects.filter(voided_at__isnull=True)
                           .values_list("region_code", flat=True).distinct()))
        if not codes:
            raise CommandError("没有可处理的区县(库中没有网格)。")
        known = set(Region.objects.filter(code__in=codes, level=RegionLevel.COUNTY).values_list("code", flat=True))
        unknown = [c for c in codes if c not in known]
        if unknown:
            raise CommandError(f"未知的区县代码：{', '.join(unknown)}")
        started = time.perf_counter()
        result = services.bulk_assign_grids(codes)
        seconds = time.perf_counter() - started
        self.stdout.write(
            f"区县 {len(codes)} 个：检查 {result['checked']} 家，变更 {result['changed']} 家，"
            f"不在任何网格内 {result['gaps']} 家，用时 {seconds:.1f} 秒 "
            f"(counties={len(codes)} checked={result['checked']} changed={result['changed']} "
            f"gaps={result['gaps']} seconds={seconds:.2f})"
        )
