"""Hazard generator at small scale: counts, determinism, states by age, consistency with the enterprise."""

import datetime
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.utils import timezone

from safegrid.audit.models import AuditEvent
from safegrid.hazards import generator, queries
from safegrid.hazards.models import OPEN_STATES, Grade, Hazard, State
from safegrid.regions.models import RegionLevel
from safegrid.registry.models import ResponsibilityRule

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 3, 2)
COUNT = 4000


@pytest.fixture
def city(db):
    call_command("generate_city", "--districts", "2", "--towns", "4", "--villages", "8", "--grids", "24",
                 "--enterprises", "400", "--seed", "5", stdout=io.StringIO())


def generate(count=COUNT, seed=3):
    return generator.generate_hazards(count, seed=seed, today=TODAY)


def snapshot():
    fields = ["reported_at", "enterprise_id", "grid_id", "state", "grade", "criterion_id", "hazard_type_id",
              "deadline", "closed_at", "source", "description"]
    return list(Hazard.objects.order_by("id").values_list(*fields))


def test_counts_and_determinism(city):
    result = generate()
    assert Hazard.objects.count() == result["created"] == COUNT
    assert sum(v for k, v in result.items() if k.startswith("state_")) == COUNT
    assert AuditEvent.objects.filter(action="hazard_generate").count() == 1
    first = snapshot()
    Hazard.cooperating_departments.through.objects.all().delete()
    Hazard.objects.update(recurrence_of=None, merged_into=None)
    Hazard.objects.all().delete()
    generate()
    assert snapshot() == first
    # Explicit ids in report order; the id sequence is moved past them, so the next hazard gets a fresh id.
    reported = list(Hazard.objects.order_by("id").values_list("reported_at", flat=True))
    assert reported == sorted(reported)
    model = Hazard.objects.first()
    extra = Hazard.objects.create(**{f: getattr(model, f) for f in (
        "region_code", "town_id", "scope_path", "source", "hazard_type_id", "description", "reported_at")})
    assert extra.pk > Hazard.objects.exclude(pk=extra.pk).order_by("-id").first().pk


def test_states_follow_age(city):
    generate()
    now = timezone.make_aware(datetime.datetime.combine(TODAY, datetime.time(12)))
    hazards = list(Hazard.objects.all())
    assert all(now - datetime.timedelta(days=3 * 366) < h.reported_at <= now for h in hazards)
    years = Counter((now - h.reported_at).days // 365 for h in hazards)
    assert years[0] > years[2] > COUNT * 0.2  # spread over three years, growing
    old = [h for h in hazards if (now - h.reported_at).days > 180]
    finished = (State.CLOSED, State.REJECTED, State.MERGED, State.VOIDED)
    assert sum(h.state in finished for h in old) > 0.97 * len(old)
    assert Counter(h.state for h in old).most_common(1)[0][0] == State.CLOSED
    recent = Counter(h.state for h in hazards if (now - h.reported_at).days <= 20)
    assert all(recent[s] > 0 for s in OPEN_STATES)
    live = Hazard.objects.exclude(state=State.VOIDED)
    assert live.filter(queries.overdue_q(TODAY)).exists()
    assert live.filter(queries.due_soon_q(TODAY)).exists()
    assert live.filter(reported_at__date=TODAY).exists()
    for h in hazards:
        assert (h.closed_at is not None) == (h.state == State.CLOSED)
        assert h.closed_at is None or h.closed_at >= h.reported_at
        if h.state in (State.RECTIFYING, State.SUBMITTED) and h.handling == "by_deadline":
            assert h.deadline is not None and h.responsible_person
        assert (h.voided_at is not None) == (h.state == State.VOIDED)
        assert h.state != State.MERGED or h.merged_into_id < h.pk


def test_realistic_mix(city):
    generate()
    hazards = list(Hazard.objects.select_related("enterprise__category", "criterion", "hazard_type"))
    major = [h for h in hazards if h.grade == Grade.MAJOR]
    assert 0.015 * COUNT < len(major) < 0.05 * COUNT
    for h in major:
        sector = "industry_trade" if h.enterprise.category.code.startswith("trade_") else h.enterprise.category.code
        assert h.criterion.sector == sector and h.handling == "by_deadline"
    assert all(h.criterion_id is None for h in hazards if h.grade == Grade.GENERAL)
    sources = Counter(h.source for h in hazards)
    assert len(sources) >= 5 and sources.most_common(1)[0][0] == "grid_patrol"
    assert len({h.hazard_type.code for h in hazards}) >= 12
    assert all(h.description for h in hazards)
    on_spot = [h for h in hazards if h.handling == "on_spot"]
    assert 0.2 * COUNT < len(on_spot) < 0.5 * COUNT


def test_consistent_with_enterprise(city):
    generate()
    leads = {(r.region_code, r.category_id): r.lead_department_id for r in ResponsibilityRule.objects.all()}
    places = 0
    for h in Hazard.objects.select_related("enterprise__operating_region", "grid__region", "town"):
        assert h.town.level == RegionLevel.TOWN and h.scope_path.startswith(h.town.path + "/")
        if h.enterprise is None:
            places += 1
            assert h.grid and h.scope_path == h.grid.path and h.location and h.territorial_fallback
            assert h.region_code == h.grid.region_code and h.town_id == h.grid.region.parent_id
            continue
        e = h.enterprise
        assert (h.region_code, h.scope_path, h.grid_id) == (e.region_code, e.scope_path, e.grid_id)
        region = e.grid.region if e.grid_id else e.operating_region
        assert h.town_id == (region.parent_id if region.level == RegionLevel.VILLAGE else region.pk)
        assert h.lead_department_id == leads.get((e.region_code, e.category_id))
        assert h.territorial_fallback == (h.lead_department_id is None)
        if h.assigned_department_id:
            assert h.assigned_department_id == h.lead_department_id
    assert 0 < places < 0.06 * COUNT
    assert Hazard.cooperating_departments.through.objects.exists()


def test_recurrences_follow_the_service_rule(city):
    result = generate()
    rows = Hazard.objects.filter(recurrence_of__isnull=False).select_related("recurrence_of")
    assert rows.count() == result["recurrences"] > 0
    for h in rows:
        before = h.recurrence_of
        assert (before.enterprise_id, before.hazard_type_id) == (h.enterprise_id, h.hazard_type_id)
        assert before.state == State.CLOSED and before.closed_at < h.reported_at
        assert (h.reported_at - before.closed_at).days <= 365


def test_generate_city_with_hazards(db, frozen):
    out = io.StringIO()
    call_command("generate_city", "--districts", "1", "--towns", "2", "--villages", "4", "--grids", "8",
                 "--enterprises", "100", "--hazards", "300", "--seed", "5", stdout=out)
    assert Hazard.objects.count() == 300
    assert "hazards=300" in out.getvalue()
    out = io.StringIO()
    call_command("generate_hazards", "--count", "50", "--today", "2026-03-02", stdout=out)
    assert Hazard.objects.count() == 350 and "created=50" in out.getvalue()
