"""Duplicate look-up with 100,000 tips stored: p50/p95 of safegrid.tips.duplicates.find.

Inserts N tips (default 100,000) spread over a 0.5° x 0.5° county (≈ 50 km x 55 km) within the
last 60 days, several categories and enterprise names, then times `find` for random new tips:
the bounding-box range on (region_code, lon, lat, created_at), the 30-day window, the exact
distance and the bigram similarity on the rows left.
"""

import datetime
import random
import time

from bench import common

NAME = "tips_duplicates"
WORDS = ["液化气钢瓶", "违规存放", "无证经营", "烟花爆竹", "施工无围挡", "消防通道堵塞", "电焊动火", "夜间生产",
         "脚手架", "危化品", "仓库", "加油站", "后院", "无人看管", "私拉电线"]


def add_arguments(group):
    group.add_argument("--dup-tips", type=int, default=100_000, help="tips stored before timing")
    group.add_argument("--dup-lookups", type=int, default=1000, help="timed look-ups")


def text(rng):
    return "".join(rng.sample(WORDS, 4))


def run(args):
    with common.bench_database() as db:
        from django.db import connection
        from django.utils import timezone

        from safegrid.registry.models import SafetyCategory
        from safegrid.testing import World
        from safegrid.tips import duplicates
        from safegrid.tips.models import Tip

        World.build()
        rng = random.Random(311)
        categories = list(SafetyCategory.objects.values_list("pk", flat=True)[:8]) + [None]
        now = timezone.now()
        started = time.perf_counter()
        insert(Tip, args.dup_tips, rng, categories, now)
        common.emit(NAME, "insert_s", time.perf_counter() - started, "s", db=db.kind, tips=args.dup_tips)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        timings, found = [], 0
        for _ in range(args.dup_lookups):
            lon, lat = 112.0 + rng.random() * 0.5, 28.3 + rng.random() * 0.5
            began = time.perf_counter()
            result = duplicates.find(region_code="430903", lon=lon, lat=lat, category_id=rng.choice(categories),
                                     enterprise_key=f"企业{rng.randrange(20_000)}", description=text(rng), now=now)
            timings.append((time.perf_counter() - began) * 1000)
            found += bool(result)
        meta = {"db": db.kind, "tips": args.dup_tips, "lookups": len(timings), "with_candidates": found}
        common.emit(NAME, "find_p50_ms", common.percentile(timings, 50), "ms", **meta)
        common.emit(NAME, "find_p95_ms", common.percentile(timings, 95), "ms", **meta)


def insert(model, count, rng, categories, now, batch=5000):
    from safegrid.tips import duplicates

    rows = []
    for i in range(count):
        name = f"企业{rng.randrange(20_000)}" if rng.random() < 0.3 else ""
        rows.append(model(
            region_code="430903", public_id=f"B{i:09d}", tracking_hash=f"{i:064x}", description=text(rng),
            lon=112.0 + rng.random() * 0.5, lat=28.3 + rng.random() * 0.5, category_id=rng.choice(categories),
            enterprise_name=name, enterprise_key=duplicates.enterprise_key(name), scope_path="43/4309/430903",
            state=rng.choice(["received", "accepted", "verified", "closed"]),
            deadline=(now + datetime.timedelta(days=10)).date()))
        if len(rows) == batch:
            _write(model, rows, rng, now)
            rows = []
    if rows:
        _write(model, rows, rng, now)


def _write(model, rows, rng, now):
    created = model.objects.bulk_create(rows)
    # created_at is auto_now_add: spread it over 60 days afterwards, in one statement per batch.
    from django.db.models import Case, DateTimeField, Value, When

    whens = [When(pk=row.pk, then=Value(now - datetime.timedelta(minutes=rng.randrange(60 * 24 * 60))))
             for row in created]
    model.objects.filter(pk__in=[r.pk for r in created]).update(
        created_at=Case(*whens, output_field=DateTimeField()))
