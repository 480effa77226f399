"""Enterprise generator and generate_city: determinism, valid unique codes, points inside grids, tiling."""

import io
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from shapely.geometry import Point, shape
from shapely.ops import unary_union
from stdnum.cn import uscc

from safegrid.audit.models import AuditEvent
from safegrid.regions.models import Grid, GridOfficer, Region, RegionLevel
from safegrid.registry import generator
from safegrid.registry.models import Enterprise, ResponsibilityRule

pytestmark = pytest.mark.django_db
FIELDS = ["name", "credit_code", "category__code", "industry__code", "lon", "lat", "grid__code", "status",
          "headcount", "legal_representative_mobile", "registered_region_code"]


def generate(world, count=600, seed=11):
    grids = list(Grid.objects.filter(region_code="430903"))
    return generator.generate_enterprises(world.county, grids, count, seed=seed, neighbours=[world.other_county])


def snapshot():
    return list(Enterprise.objects.order_by("name").values_list(*FIELDS))


def test_same_seed_same_rows(world):
    generate(world)
    first = snapshot()
    Enterprise.objects.all().delete()
    generate(world)
    assert snapshot() == first
    Enterprise.objects.all().delete()
    generate(world, seed=12)
    assert snapshot() != first


def test_codes_valid_and_unique_in_county(world):
    result = generate(world, count=800)
    rows = list(Enterprise.objects.values_list("credit_code", "no_credit_code_reason", "registered_region_code"))
    codes = [c for c, _reason, _county in rows if c]
    assert len(codes) == len(set(codes))
    for code, _reason, county in rows:
        if code:
            assert uscc.validate(code) == code and code[2:8] == county
    assert all(reason == "个体工商户" for code, reason, _county in rows if not code)
    assert result["without_credit_code"] == len(rows) - len(codes) > 0
    generate(world, count=200, seed=99)  # a second run in the same county never repeats a code
    all_codes = [c for c in Enterprise.objects.values_list("credit_code", flat=True) if c]
    assert len(all_codes) == len(set(all_codes))


def test_points_inside_their_grids_and_gaps_outside(world):
    result = generate(world, count=1000)
    grids = {g.pk: shape(g.polygon) for g in Grid.objects.filter(region_code="430903")}
    outline = unary_union(list(grids.values()))
    for e in Enterprise.objects.all():
        if e.grid_id:
            assert grids[e.grid_id].covers(Point(e.lon, e.lat))
            assert e.scope_path == e.grid.path
        elif e.lon is not None:
            assert not outline.covers(Point(e.lon, e.lat))
        else:
            assert e.scope_path == e.operating_region.path
    assert result["without_coordinates"] > 0 and result["without_grid"] > result["without_coordinates"]


def test_realistic_fields(world):
    generate(world, count=1000)
    rows = list(Enterprise.objects.select_related("category", "industry"))
    divisions = {code: {t[1] for t in mix[1]} for code, mix in generator.CATEGORY_MIX.items()}
    for e in rows:
        assert e.industry.code in divisions[e.category.code]
        assert re.fullmatch(r"1[3-9]\d{9}", e.legal_representative_mobile)
        assert e.name and e.legal_representative and e.address
        assert (e.status_since is None) == (e.status == "operating")
    categories = Counter(e.category.code for e in rows)
    assert categories.most_common(1)[0][0] == "small_venues"
    assert Counter(e.status for e in rows)["suspended"] > 0
    assert any(e.operating_elsewhere for e in rows)
    assert sum(e.scale == "above" for e in rows) < len(rows) * 0.1  # most are 小微
    assert AuditEvent.objects.filter(action="enterprise_generate").count() == 1


def test_allocate_is_exact():
    shares = generator.allocate(20000, {k: v[0] for k, v in generator.CATEGORY_MIX.items()})
    assert sum(shares.values()) == 20000
    assert shares["hazardous_chemicals"] == pytest.approx(67 * 20000 / 19047, abs=1)


def test_org_code_check_character():
    import random

    code = generator.org_code(random.Random(1))
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in code[:8]]
    check = 11 - sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    assert code[8] == {10: "X", 11: "0"}.get(check, str(check))


def test_generate_city_small(db):
    out = io.StringIO()
    call_command("generate_city", "--districts", "2", "--towns", "4", "--villages", "8", "--grids", "24",
                 "--enterprises", "300", "--seed", "5", stdout=out)
    counties = Region.objects.filter(level=RegionLevel.COUNTY, parent__code="431100")
    assert sorted(counties.values_list("code", flat=True)) == ["431102", "431103"]
    assert Region.objects.filter(level=RegionLevel.TOWN).count() == 4
    grids = list(Grid.objects.all())
    assert 20 <= len(grids) <= 24
    # Grids tile the city: no overlaps (areas add up to the union's area), all inside the city outline.
    shapes = [shape(g.polygon) for g in grids]
    union = unary_union(shapes)
    assert sum(s.area for s in shapes) == pytest.approx(union.area, rel=1e-6)
    city = shape(Region.objects.get(code="431100").polygon)
    assert city.buffer(1e-6).covers(union)
    assert Enterprise.objects.count() == 300
    assert ResponsibilityRule.objects.filter(region_code="431102", lead_department__isnull=False).count() == 21
    assert GridOfficer.objects.count() > 0
    assert Grid.objects.filter(officers__isnull=True).count() < len(grids)
    assert "enterprises=300" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("generate_city", "--districts", "1", stdout=io.StringIO())
