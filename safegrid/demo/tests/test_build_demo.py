import io
from itertools import combinations

import pytest
import shapely
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from safegrid.accounts.models import User
from safegrid.audit.models import AuditEvent
from safegrid.core.roles import Role
from safegrid.demo import builder
from safegrid.regions.models import Grid, GridOfficer, Region, RegionLevel
from safegrid.regions.services import validate_region_code

AREA_TOLERANCE = 1e-9  # relative
OVERLAP_TOLERANCE = 1e-12  # square degrees, about 0.01 m²


def build(*extra):
    out = io.StringIO()
    call_command("build_demo", "--small", *extra, stdout=out)
    return out.getvalue()


@pytest.fixture
def demo(db):
    return build("--quiet")


def assert_tiles(parent, children):
    """`children` cover `parent` exactly: same area as their union, no pairwise overlap."""
    union = shapely.unary_union(children)
    assert abs(union.area - parent.area) / parent.area < AREA_TOLERANCE
    assert parent.symmetric_difference(union).area / parent.area < AREA_TOLERANCE
    for a, b in combinations(children, 2):
        assert a.intersection(b).area < OVERLAP_TOLERANCE


def geometry(obj):
    return shape(obj.polygon)


# --- the stored demo (small tree) ---------------------------------------------------------


def test_codes_are_valid_and_prefixed_by_their_parent(demo):
    regions = Region.objects.filter(region_code="430903").select_related("parent")
    assert regions.count() > 10
    for region in regions:
        parent = region.parent
        assert validate_region_code(region.code, region.level, parent) == region.code
        if parent.level >= RegionLevel.COUNTY:
            assert region.code.startswith(parent.key)
        assert region.path == f"{parent.path}/{region.key}"


def test_statistics_numbering_of_streets_towns_communities_and_villages(demo):
    for region in Region.objects.filter(region_code="430903", level__gte=RegionLevel.TOWN):
        if region.level == RegionLevel.TOWN:
            number = int(region.code[6:9])
            assert (number < 100) == region.name.endswith("街道")
        else:
            number = int(region.code[9:])
            expected = range(1, 200) if region.name.endswith("社区") else range(200, 400)
            assert number in expected, region


def test_village_names_are_unique_within_each_town(demo):
    for town in Region.objects.filter(level=RegionLevel.TOWN, region_code="430903"):
        village_names = list(town.children.values_list("name", flat=True))
        assert len(village_names) == len(set(village_names)) >= 3


def test_grids_belong_to_their_village_by_code_and_path(demo):
    for grid in Grid.objects.select_related("region"):
        assert grid.code.startswith(grid.region.code + "-")
        assert grid.path == f"{grid.region.path}/{grid.code}"
        assert 2 <= grid.region.grids.count() <= 4


def test_towns_tile_the_county(demo):
    county = Region.objects.get(code="430903")
    assert_tiles(geometry(county), [geometry(t) for t in county.children.all()])


def test_villages_tile_their_town_and_grids_tile_their_village(demo):
    for town in Region.objects.filter(level=RegionLevel.TOWN, region_code="430903"):
        assert_tiles(geometry(town), [geometry(v) for v in town.children.all()])
        for village in town.children.all():
            assert_tiles(geometry(village), [geometry(g) for g in village.grids.all()])


def test_county_lies_in_the_agreed_box(demo):
    min_lon, min_lat, max_lon, max_lat = geometry(Region.objects.get(code="430903")).bounds
    assert 112.2 <= min_lon and max_lon <= 112.7 and 28.3 <= min_lat and max_lat <= 28.7


def test_every_role_has_a_user_with_the_demo_password(demo):
    for role in Role.values:
        user = User.objects.filter(role=role).first()
        assert user is not None, role
        assert user.check_password(builder.PASSWORD)
    admin = User.objects.get(username="admin")
    assert admin.is_staff and admin.is_superuser


def test_scoped_users(demo):
    assert User.objects.get(username="town_hls").scope_paths() == ["43/4309/430903/430903001"]
    assert User.objects.get(username="town_bzs").scope_paths() == ["43/4309/430903/430903101"]
    dept = User.objects.get(username="dept_zjj")
    assert dept.department.name == "区住房和城乡建设局" and dept.scope_paths() == ["43/4309/430903"]
    assert User.objects.get(username="enterprise").scope_paths() == []


def test_demo_grid_officer_patrols_the_grids_of_one_village(demo):
    officer = GridOfficer.objects.get(user__username=builder.DEMO_OFFICER)
    grids = list(officer.grids.all())
    assert len(grids) >= 2 and len({g.region_id for g in grids}) == 1
    assert officer.full_time and officer.trained_on is not None
    assert sorted(officer.user.scope_paths()) == sorted(g.path for g in grids)
    visible = Grid.objects.restrict(officer.user, "view")
    assert set(visible) == set(grids)


def test_town_office_sees_only_its_town(demo):
    user = User.objects.get(username="town_hls")
    visible = Grid.objects.restrict(user, "view")
    assert visible.exists()
    assert all(g.path.startswith("43/4309/430903/430903001/") for g in visible)
    assert visible.count() < Grid.objects.count()


def test_everything_is_audited_as_the_system(demo):
    events = AuditEvent.objects.filter(actor__isnull=True, actor_name="系统")
    for action, count in [("region_create", Region.objects.count()), ("grid_create", Grid.objects.count()),
                          ("user_create", User.objects.count()),
                          ("grid_officer_appoint", GridOfficer.objects.count())]:
        assert events.filter(action=action).count() == count, action
    assert events.filter(action="department_create").count() == len(builder.names.DEPARTMENTS)
    assert events.filter(action="user_update", object_id=str(User.objects.get(username="admin").pk)).exists()


def test_running_twice_changes_nothing_and_prints_the_logins_again(demo):
    before = builder.counts()
    output = build()
    assert builder.counts() == before
    assert "已存在" in output
    for username in builder.LOGINS:
        assert username in output
    assert builder.PASSWORD in output


def test_first_run_prints_the_logins_table(db):
    output = build()
    assert "演示账号 Demo logins" in output
    assert all(name in output for name in builder.LOGINS)


def test_refuses_a_county_that_is_not_demo_data(world):
    with pytest.raises(CommandError, match="不是演示数据"):
        build("--quiet")


def test_refuses_when_a_demo_username_is_taken(db):
    User.objects.create(username="leader")
    with pytest.raises(CommandError, match="leader"):
        build("--quiet")
    assert not Region.objects.exists()


def test_town_office_lists_its_grids_over_the_api(demo, client):
    client.force_login(User.objects.get(username="town_hls"))
    response = client.get("/api/v1/grids/", {"within": "430903001000", "page_size": 500})
    assert response.status_code == 200
    codes = [g["code"] for g in response.json()["results"]]
    assert codes and all(code.startswith("430903001") for code in codes)
    assert len(codes) == Grid.objects.filter(path__startswith="43/4309/430903/430903001/").count()


# --- the full-size plan, in memory (no database) ------------------------------------------


@pytest.fixture(scope="module")
def full_plan():
    return builder.plan_tree(builder.DEFAULT_SEED)


def test_full_plan_has_the_intended_size(full_plan):
    villages = [v for t in full_plan.children for v in t.children]
    grids = [g for v in villages for g in v.children]
    assert 12 <= len(full_plan.children) <= 16
    assert all(6 <= len(t.children) <= 15 for t in full_plan.children)
    assert 500 <= len(grids) <= 800
    assert all(p.geometry.is_valid and p.geometry.geom_type in ("Polygon", "MultiPolygon")
               for p in [*full_plan.children, *villages, *grids])


def test_full_plan_tiles_at_every_level(full_plan):
    assert_tiles(full_plan.geometry, [t.geometry for t in full_plan.children])
    for town in full_plan.children:
        assert_tiles(town.geometry, [v.geometry for v in town.children])
        for village in town.children:
            assert_tiles(village.geometry, [g.geometry for g in village.children])


def test_full_plan_leaves_about_three_percent_of_grids_without_officer(full_plan):
    grids = {g.key for t in full_plan.children for v in t.children for g in v.children}
    covered = {code for plan in builder.plan_officers(full_plan) for code in plan.grid_codes}
    assert covered <= grids
    assert 0.01 <= len(grids - covered) / len(grids) <= 0.06


def test_plan_is_deterministic_for_a_seed(full_plan):
    again = builder.plan_tree(builder.DEFAULT_SEED)
    assert again.geometry.equals_exact(full_plan.geometry, 0)
    assert [t.children[0].name for t in again.children] == [t.children[0].name for t in full_plan.children]
    other = builder.plan_tree(7, small=True)
    assert not other.geometry.equals(full_plan.geometry)


# --- the county in use (safegrid/demo/activity.py) ------------------------------------------


def test_hazards_in_several_states_across_towns(demo):
    from safegrid.hazards.models import Hazard

    states = set(Hazard.objects.values_list("state", flat=True))
    assert {"reported", "confirmed", "assigned", "rectifying", "submitted", "closed", "rejected"} <= states
    assert Hazard.objects.values("town").distinct().count() >= 2
    assert Hazard.objects.filter(source="self_inspection").exists()
    company_user = User.objects.get(username="enterprise")
    assert Hazard.objects.filter(enterprise=company_user.enterprise, state="assigned").exists()


def test_a_major_overdue_hazard_is_on_the_supervised_listing(demo):
    from safegrid.hazards.queries import supervised

    listing = supervised(User.objects.get(username="county_office"))
    assert listing.exists()
    assert all(h.criterion_id for h in listing)


def test_tips_exist_and_no_identity_reaches_the_audit_log(demo):
    from safegrid.demo.activity import TIP_NAMES
    from safegrid.tips.models import Tip

    assert Tip.objects.count() >= 5
    assert Tip.objects.filter(anonymous=False).exists()
    assert Tip.objects.filter(hazard__isnull=False).exists()
    text = "".join(str(row) for row in AuditEvent.objects.values_list("before", "after", "reason"))
    for name, mobile in TIP_NAMES:
        assert name not in text and mobile not in text


def test_enterprises_are_graded_and_a_draw_is_published(demo):
    from safegrid.inspections.models import Inspection, RandomDraw
    from safegrid.registry.models import Enterprise
    from safegrid.risk.models import EnterpriseGrade, MajorHazardSource

    enterprises = Enterprise.objects.filter(region_code="430903", voided_at__isnull=True).count()
    assert EnterpriseGrade.objects.filter(region_code="430903").count() == enterprises
    assert MajorHazardSource.objects.exists()
    assert RandomDraw.objects.filter(published_at__isnull=False).exists()
    signed = Inspection.objects.get(state="signed")
    assert signed.findings.filter(result="fail", hazard__isnull=False).exists()


def test_higher_risk_sectors_declare_profiles_and_sources_through_the_services(demo):
    from safegrid.audit.models import AuditEvent
    from safegrid.registry.models import Enterprise
    from safegrid.risk.models import EnterpriseGrade, MajorHazardSource, RiskProfile

    chemicals = Enterprise.objects.filter(region_code="430903", category__code="hazardous_chemicals",
                                          status="operating")
    with_profile = RiskProfile.objects.filter(enterprise__in=chemicals).count()
    assert with_profile == chemicals.count() > 0
    assert MajorHazardSource.objects.filter(is_major=True).count() > 2
    assert AuditEvent.objects.filter(action="risk_profile_set").count() >= with_profile
    # Not all blue: the declared inputs move some sectors' codes.
    assert EnterpriseGrade.objects.exclude(color="blue").exists()


def test_demo_logins_close_a_hazard_without_the_county_account(demo):
    """wgy0001 reports at the enterprise login's company, the enterprise rectifies, town_hls closes."""
    from safegrid.hazards import services as hazard_services
    from safegrid.hazards.testing import jpeg

    officer, town, company_user = (User.objects.get(username=name) for name in ("wgy0001", "town_hls", "enterprise"))
    company = company_user.enterprise
    assert company.grid_id in set(GridOfficer.objects.get(user=officer).grids.values_list("pk", flat=True))
    assert company.scope_path.startswith(town.scope_paths()[0] + "/")
    hazard = hazard_services.report_hazard({"enterprise": company.pk, "hazard_type": "electrical",
                                            "description": "配电箱门未关闭"}, actor=officer)
    hazard = hazard_services.confirm(hazard, actor=town, version=hazard.version)
    hazard = hazard_services.assign(hazard, actor=town, version=hazard.version)  # 属地兜底: the town itself
    hazard = hazard_services.plan(hazard, actor=company_user, version=hazard.version, data={
        "responsible_person": company.safety_manager or "周丽", "measures": "加锁", "working_days": 3})
    hazard = hazard_services.submit(hazard, actor=company_user, version=hazard.version, description="已加锁",
                                    after_photos=[jpeg()])
    hazard = hazard_services.accept(hazard, actor=town, version=hazard.version)
    assert hazard.state == "closed"


def test_demo_untrained_officers_are_part_time_and_trained_ones_have_a_record(demo):
    from safegrid.regions.models import TrainingRecord

    assert not GridOfficer.objects.filter(trained_on__isnull=True, full_time=True).exists()
    trained = GridOfficer.objects.filter(trained_on__isnull=False)
    assert TrainingRecord.objects.filter(officer__in=trained, pre_duty=True, result="passed").count() == trained.count()
