"""Leaders' inspection quotas (领导带队检查): fulfilment per leader and period against Quota rows."""

import datetime

from .models import LeaderParticipation, LeaderPost, Period, Quota


def quota_for(kind, region_code, day=None):
    """The county's own quota for the post kind valid on `day` (else the default row valid then)."""
    day = day or datetime.date.today()
    rows = Quota.objects.filter(kind=kind, region__in=[region_code, "*"], valid_from__lte=day).order_by("-valid_from")
    found = {}
    for row in rows:
        found.setdefault(row.region, row)
    return found.get(region_code) or found.get("*")


def period_bounds(period, year, index):
    """[start, end) of the year, quarter (1-4) or month (1-12)."""
    if period == Period.YEAR:
        return datetime.date(year, 1, 1), datetime.date(year + 1, 1, 1)
    months = 3 if period == Period.QUARTER else 1
    first = (index - 1) * months + 1
    start = datetime.date(year, first, 1)
    last = first + months
    end = datetime.date(year + (last > 12), (last - 1) % 12 + 1, 1)
    return start, end


def current_index(period, day):
    return {Period.YEAR: 1, Period.QUARTER: (day.month - 1) // 3 + 1, Period.MONTH: day.month}[period]


def fulfilment(posts, day):
    """One row per leader post: quota, the period containing `day`, count, met."""
    posts = list(posts.select_related("user"))
    quotas = {(p.kind, p.region_code): quota_for(p.kind, p.region_code, day) for p in posts}
    rows = []
    for post in posts:
        quota = quotas[(post.kind, post.region_code)]
        if quota is None:
            continue
        start, end = period_bounds(quota.period, day.year, current_index(quota.period, day))
        # The period is judged by the quota that applied at its start (a later change counts from then on).
        quota = quota_for(post.kind, post.region_code, start) or quota
        rows.append({"post": post, "quota": quota, "start": start, "end": end - datetime.timedelta(days=1)})
    counts = {}
    if rows:
        lo, hi = min(r["start"] for r in rows), max(r["end"] for r in rows)
        for user_id, on in LeaderParticipation.objects.filter(
                user_id__in=[r["post"].user_id for r in rows], on__gte=lo, on__lte=hi,
                inspection__voided_at__isnull=True).values_list("user_id", "on"):
            counts.setdefault(user_id, []).append(on)
    for row in rows:
        row["count"] = sum(1 for on in counts.get(row["post"].user_id, []) if row["start"] <= on <= row["end"])
        row["met"] = row["count"] >= row["quota"].minimum
    return rows


def posts_in(region_codes):
    return LeaderPost.objects.filter(region_code__in=region_codes, active=True).order_by("kind", "user__username")
