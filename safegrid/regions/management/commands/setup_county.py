"""manage.py setup_county CODE [--towns FILE] [--grids FILE]: a new county from its division code.

The same services as the first-run page (系统管理 › 区县初始化): the county with its province and
city from the GB/T 2260 code, towns and villages from the statistics bureau's code table (.xlsx or
.csv, columns 统计用区划代码 and 名称), grids from a GeoJSON FeatureCollection. Every file is
checked whole first; nothing of it is written when any row is wrong.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from safegrid.core.errors import ServiceError
from safegrid.regions import setup
from safegrid.regions.grid_import import run_grid_import
from safegrid.regions.models import Region


class Command(BaseCommand):
    help = "Set up a county from its 6-digit division code, then import towns/villages and grids."

    def add_arguments(self, parser):
        parser.add_argument("code", help="6-digit GB/T 2260 county code, e.g. 430903")
        parser.add_argument("--name", help="county name, when the code table's name is out of date")
        parser.add_argument("--towns", help="statistics-bureau code table (.xlsx or .csv: 统计用区划代码, 名称)")
        parser.add_argument("--grids", help="GeoJSON FeatureCollection of grids (code, name, village_code)")

    def handle(self, *args, code, name=None, towns=None, grids=None, **options):
        county = Region.objects.filter(code=code).first()
        try:
            if county is None:
                county = setup.setup_county(code, actor=None, county_name=name)
                self.stdout.write(f"建立区县 {county.name}（{county.code}）")
            else:
                self.stdout.write(f"区县 {county.name}（{county.code}）已存在")
            if towns:
                path = Path(towns)
                plan = setup.import_towns(county, path.read_bytes(), path.name, actor=None, write=True)
                if not plan.valid:
                    raise CommandError(_report(plan.errors, lambda e: f"第 {e['row']} 行 {e['code']}：{e['message']}"))
                self.stdout.write(f"乡镇(街道) {len(plan.towns)} 个、村(社区) {len(plan.villages)} 个"
                                  f"(已存在跳过 {plan.skipped} 个)")
            if grids:
                path = Path(grids)
                plan = run_grid_import(path.read_bytes(), None, filename=path.name)
                if not plan.valid:
                    raise CommandError(_report(plan.errors, lambda e: e["message"]))
                self.stdout.write(f"网格 {plan.created} 个")
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"无法读取文件：{exc}") from exc


def _report(errors, line):
    shown = [line(e) for e in errors[:50]]
    more = f"\n… 另有 {len(errors) - 50} 处" if len(errors) > 50 else ""
    return "文件有错误，未写入：\n" + "\n".join(shown) + more
