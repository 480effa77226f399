import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import Conflict, ServiceError
from safegrid.core.services import void
from safegrid.regions import services as region_services
from safegrid.registry import services, validation
from safegrid.registry.models import Enterprise
from safegrid.registry.testing import category, create, enterprise_data, make_credit_code
from safegrid.testing import square

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


class TestCreditCode:
    @settings(max_examples=200, deadline=None)
    @given(st.randoms(use_true_random=False))
    def test_generated_valid_codes_pass(self, rng):
        code = make_credit_code(rng)
        assert validation.credit_code(code) == code
        assert validation.credit_code(code.lower()) == code

    @settings(max_examples=200, deadline=None)
    @given(st.randoms(use_true_random=False), st.integers(min_value=0, max_value=30))
    def test_any_wrong_check_character_is_named(self, rng, shift):
        code = make_credit_code(rng)
        wrong = ALPHABET[(ALPHABET.index(code[-1]) + 1 + shift % 30) % 31]
        with pytest.raises(validation.FieldError) as exc:
            validation.credit_code(code[:-1] + wrong)
        assert exc.value.code == "credit_code.checksum"
        assert f"应为“{code[-1]}”" in exc.value.message

    @settings(max_examples=100, deadline=None)
    @given(st.randoms(use_true_random=False), st.integers(min_value=8, max_value=16),
           st.sampled_from("IOSVZ"))
    def test_forbidden_letters_are_located(self, rng, position, letter):
        code = make_credit_code(rng)
        bad = code[:position] + letter + code[position + 1:]
        with pytest.raises(validation.FieldError) as exc:
            validation.credit_code(bad)
        assert exc.value.code == "credit_code.format"
        assert f"第 {position + 1} 位" in exc.value.message

    @pytest.mark.parametrize("code,error", [
        ("91430903MA4L", "credit_code.length"),
        ("A1430903MA4L1234X5", "credit_code.format"),
        ("", "credit_code.length"),
    ])
    def test_examples(self, code, error):
        with pytest.raises(validation.FieldError) as exc:
            validation.credit_code(code)
        assert exc.value.code == error

    def test_known_code(self):
        assert uscc.is_valid(validation.credit_code("91110000600037341L"))


class TestCreate:
    def test_create_assigns_grid_and_audits(self, world):
        enterprise = create(world)
        assert enterprise.grid == world.grid_a1
        assert enterprise.scope_path == world.grid_a1.path
        assert enterprise.region_code == "430903"
        assert not enterprise.operating_elsewhere
        event = AuditEvent.objects.get(action="enterprise_create", object_id=str(enterprise.pk))
        assert event.after["name"] == enterprise.name

    def test_all_field_errors_reported_and_nothing_written(self, world):
        data = enterprise_data(credit_code="91430903MA4L0000X0", safety_manager_mobile="1390737",
                               category="不存在的类别", headcount=-3, lon=28.5, lat=112.3,
                               operating_region="430902001001")
        with pytest.raises(ServiceError) as exc:
            create(world, **{k: v for k, v in data.items() if k != "seed"})
        fields = {e["field"] for e in exc.value.errors}
        assert fields == {"credit_code", "safety_manager_mobile", "category", "headcount", "lon",
                          "operating_region"}
        assert not Enterprise.objects.exists()

    def test_duplicate_credit_code_in_county(self, world):
        first = create(world)
        with pytest.raises(ServiceError) as exc:
            create(world, credit_code=first.credit_code, name="另一家公司")
        assert exc.value.code == "credit_code.duplicate"
        assert first.name in exc.value.message
        assert Enterprise.objects.count() == 1

    def test_code_of_voided_enterprise_can_be_registered_again(self, world):
        first = create(world)
        void(first, "重复登记", world.county_user)
        again = create(world, credit_code=first.credit_code)
        assert again.pk != first.pk
        assert Enterprise.objects.filter(credit_code=first.credit_code).count() == 2

    def test_same_code_allowed_in_another_county(self, world):
        first = create(world)
        other = create(world, actor=world.other_county_user, credit_code=first.credit_code,
                       operating_region="430902001001", lon=112.205, lat=28.555)
        assert other.region_code == "430902"

    def test_individual_business_needs_reason(self, world):
        with pytest.raises(ServiceError) as exc:
            create(world, credit_code="")
        assert exc.value.code == "credit_code.required"
        enterprise = create(world, credit_code="", no_credit_code_reason="个体工商户，未办理信用代码")
        assert enterprise.credit_code == ""

    def test_chinese_labels_accepted(self, world):
        enterprise = create(world, category="危险化学品", scale="规上", status="停产")
        assert (enterprise.scale, enterprise.status) == ("above", "suspended")

    def test_town_officer_cannot_place_in_other_town(self, world):
        with pytest.raises(ServiceError) as exc:
            create(world, actor=world.town_b_user)
        assert exc.value.field == "operating_region"

    def test_coordinates_only_find_village(self, world):
        enterprise = create(world, operating_region="", lon=112.315, lat=28.505)
        assert enterprise.operating_region == world.village_a
        assert enterprise.grid == world.grid_a2

    def test_outside_county_polygon(self, world):
        world.county.polygon = square(112.0, 28.0, 1.0)
        world.county.save()
        services._county_shape.cache_clear()
        with pytest.raises(ServiceError) as exc:
            create(world, lon=113.5, lat=28.5)
        assert exc.value.code == "coordinates.outside_county"
        services._county_shape.cache_clear()


class TestGridAssignment:
    @pytest.mark.parametrize("lon,lat,expected", [
        (112.305, 28.505, "HLS-01"),   # inside
        (112.31, 28.505, "HLS-01"),    # on the shared edge: lowest path wins
        (112.31, 28.50, "HLS-01"),     # on the shared vertex
        (112.32, 28.505, "HLS-02"),    # on an outer edge of the second grid
        (112.35, 28.55, None),         # outside every grid: a coverage gap
    ])
    def test_rule(self, world, lon, lat, expected):
        enterprise = create(world, lon=lon, lat=lat)
        assert (enterprise.grid.code if enterprise.grid else None) == expected
        if expected is None:
            assert enterprise.scope_path == world.village_a.path

    def test_bulk_matches_single_and_keeps_override(self, world):
        inside = create(world, seed=1)
        edge = create(world, seed=2, lon=112.31, lat=28.505)
        moved = create(world, seed=3, lon=112.315, lat=28.505)
        services.override_grid(moved, grid=world.grid_a1, reason="实际在第一网格内办公", actor=world.county_user)
        # Redraw grid 2 to cover grid 1's area too: the edge enterprise stays (lowest path rule).
        region_services.update_grid(world.grid_a2, polygon=square(112.30, 28.50, 0.02), actor=world.admin)
        result = services.bulk_assign_grids(["430903"], actor=world.admin)
        assert result["checked"] == 2
        for e in (inside, edge, moved):
            e.refresh_from_db()
        assert inside.grid == world.grid_a1 and edge.grid == world.grid_a1
        assert moved.grid == world.grid_a1 and moved.grid_override_reason
        assert AuditEvent.objects.filter(action="enterprise_bulk_assign_grids").exists()

    def test_bulk_keeps_an_override_made_while_it_ran(self, world, monkeypatch):
        enterprise = create(world, lon=112.305, lat=28.505)
        region_services.update_grid(world.grid_a1, polygon=square(112.50, 28.50), actor=world.admin)
        locate_many = services.GridLocator.locate_many

        def override_meanwhile(locator, lons, lats):
            refs = locate_many(locator, lons, lats)
            services.override_grid(Enterprise.objects.get(pk=enterprise.pk), grid=world.grid_a2,
                                   reason="现场核实", actor=world.county_user)
            return refs

        monkeypatch.setattr(services.GridLocator, "locate_many", override_meanwhile)
        result = services.bulk_assign_grids(["430903"])
        enterprise.refresh_from_db()
        assert enterprise.grid == world.grid_a2 and enterprise.scope_path == world.grid_a2.path
        assert result["changed"] == 0

    def test_bulk_moves_after_redraw(self, world):
        enterprise = create(world, lon=112.305, lat=28.505)
        region_services.update_grid(world.grid_a1, polygon=square(112.50, 28.50), actor=world.admin)
        result = services.bulk_assign_grids(["430903"])
        enterprise.refresh_from_db()
        assert result["changed"] == 1
        assert enterprise.grid is None
        assert enterprise.scope_path == world.village_a.path

    def test_override_needs_reason(self, world):
        enterprise = create(world)
        with pytest.raises(ServiceError):
            services.override_grid(enterprise, grid=world.grid_a2, reason="", actor=world.county_user)

    def test_override_refuses_a_voided_grid(self, world):
        enterprise = create(world)
        void(world.grid_a2, "合并", world.county_user)
        with pytest.raises(ServiceError) as exc:
            services.override_grid(enterprise, grid=world.grid_a2, reason="现场核实", actor=world.county_user)
        assert exc.value.code == "grid_override.voided"
        enterprise.refresh_from_db()
        assert enterprise.grid == world.grid_a1

    def test_clear_override_reassigns(self, world):
        enterprise = create(world)
        services.override_grid(enterprise, grid=world.grid_a2, reason="现场核实", actor=world.county_user)
        assert enterprise.grid == world.grid_a2
        services.clear_grid_override(enterprise, actor=world.county_user)
        assert enterprise.grid == world.grid_a1


class TestUpdate:
    def test_status_date_defaults_to_the_local_day(self, world, monkeypatch):
        import datetime as dt

        from django.utils import timezone

        enterprise = create(world)
        # 17:00 UTC on 1 January is already 01:00 on 2 January in Asia/Shanghai.
        monkeypatch.setattr(timezone, "now", lambda: dt.datetime(2026, 1, 1, 17, 0, tzinfo=dt.UTC))
        services.set_status(enterprise, status="suspended", since=None, actor=world.county_user,
                            version=enterprise.version)
        assert Enterprise.objects.get(pk=enterprise.pk).status_since == dt.date(2026, 1, 2)

    def test_stale_version_conflicts_and_changes_nothing(self, world):
        enterprise = create(world)
        services.update_enterprise(enterprise, {"name": "新名称一"}, actor=world.county_user,
                                   operating_regions=_regions(world.county_user),
                                   version=1)
        with pytest.raises(Conflict):
            services.update_enterprise(Enterprise.objects.get(pk=enterprise.pk), {"name": "新名称二"},
                                       actor=world.town_user, operating_regions=_regions(world.town_user),
                                       version=1)
        assert Enterprise.objects.get(pk=enterprise.pk).name == "新名称一"

    def test_copy_loaded_before_a_void_conflicts_and_stays_voided(self, world):
        enterprise = create(world)
        stale = Enterprise.objects.get(pk=enterprise.pk)
        void(enterprise, "重复登记", world.county_user)
        with pytest.raises(Conflict):
            services.update_enterprise(stale, {"name": "新名称"}, actor=world.county_user,
                                       operating_regions=_regions(world.county_user), version=stale.version)
        current = Enterprise.objects.get(pk=enterprise.pk)
        assert current.is_voided and current.name == enterprise.name

    def test_status_change(self, world):
        enterprise = create(world)
        services.set_status(enterprise, status="停产", since="2026-10-01", actor=world.county_user, version=1,
                            reason="停产整顿")
        enterprise.refresh_from_db()
        assert enterprise.status == "suspended" and str(enterprise.status_since) == "2026-10-01"


def _regions(user):
    from safegrid.regions.models import Region

    return Region.objects.restrict(user, "view")


class TestScope:
    def test_town_and_officer_scope(self, world):
        a = create(world, seed=1)
        b = create(world, seed=2, operating_region="430903101201", lon=112.405, lat=28.605)
        assert set(Enterprise.objects.restrict(world.town_user)) == {a}
        assert set(Enterprise.objects.restrict(world.town_b_user)) == {b}
        assert set(Enterprise.objects.restrict(world.officer_user)) == {a}
        assert set(Enterprise.objects.restrict(world.county_user)) == {a, b}
        assert not Enterprise.objects.restrict(world.other_county_user).exists()

    def test_department_sees_its_categories(self, world):
        chem = create(world, seed=1)
        build = create(world, seed=2, category="construction")
        assert not Enterprise.objects.restrict(world.dept_user).exists()
        services.set_responsibility_rule(county=world.county, category=category("construction"),
                                         lead_department=world.department, actor=world.county_user)
        assert set(Enterprise.objects.restrict(world.dept_user)) == {build}
        assert chem not in Enterprise.objects.restrict(world.dept_user)

    def test_registering_county_sees_read_only(self, world):
        # Registered in 资阳区 (430902), operating in 赫山区.
        enterprise = create(world, registered_region="430902")
        assert enterprise.operating_elsewhere
        assert enterprise in Enterprise.objects.restrict(world.other_county_user, "view")
        assert enterprise not in Enterprise.objects.restrict(world.other_county_user, "change")
        assert enterprise in Enterprise.objects.restrict(world.county_user, "change")

    def test_enterprise_user_sees_own(self, world):
        mine = create(world, seed=1)
        create(world, seed=2)
        world.enterprise_user.enterprise = mine
        world.enterprise_user.save()
        assert list(Enterprise.objects.restrict(world.enterprise_user)) == [mine]
        assert not Enterprise.objects.restrict(world.enterprise_user, "change").exists()


class TestResponsibility:
    def test_territorial_fallback(self, world):
        enterprise = create(world, category="express_delivery")
        found = services.responsible_departments(enterprise)
        assert found["lead"] is None and found["territorial_fallback"]
        assert found["town"] == world.town_a

    def test_rule_resolves_and_is_audited(self, world):
        enterprise = create(world)
        services.set_responsibility_rule(county=world.county, category=category("hazardous_chemicals"),
                                         lead_department=world.department, actor=world.county_user)
        assert services.responsible_departments(enterprise)["lead"] == world.department
        event = AuditEvent.objects.get(action="responsibility_rule_set")
        assert event.before is None and event.after["lead"] == world.department.name

    def test_department_of_other_county_refused(self, world):
        with pytest.raises(ServiceError):
            services.set_responsibility_rule(county=world.county, category=category("construction"),
                                             lead_department=world.other_department, actor=world.county_user)


def test_random_codes_are_unique_enough():
    rng = random.Random(7)
    codes = {make_credit_code(rng) for _ in range(1000)}
    assert len(codes) == 1000
