"""Coverage gaps (监管盲区): counts on a world with known gaps, per town, outliers, scope, export, assign_grids."""

import io
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from safegrid.regions import services as rs
from safegrid.regions.models import GridOfficer
from safegrid.registry import coverage, services
from safegrid.registry.models import Enterprise
from safegrid.registry.testing import category, create
from safegrid.testing import PASSWORD

pytestmark = pytest.mark.django_db

COVERAGE_URL = "/registry/coverage/"
API_URL = "/api/v1/coverage/"


@pytest.fixture
def gaps(world):
    """赫山区 with known gaps; 资阳区 has one enterprise of its own.

    会龙山街道: e1 in HLS-01 (officer, rule) covered; e2 in HLS-02 (no officer, construction has
    no rule); e3 without coordinates (no grid); e5 closed (left out). 八字哨镇: e4 in BZS-01 (no officer).
    """
    rs_rule = services.set_responsibility_rule
    rs_rule(county=world.county, category=category("hazardous_chemicals"), lead_department=world.department,
            actor=world.county_user)
    w = world
    # The world's officer, appointed part-time before the pre-duty training: the page lists them.
    GridOfficer.objects.filter(pk=w.officer.pk).update(trained_on=None, full_time=False)
    w.e1 = create(w, seed=1, name="恒安化工")
    w.e2 = create(w, seed=2, name="宏盛建筑", category="construction", lon=112.315, lat=28.505)
    w.e3 = create(w, seed=3, name="无坐标化工", lon=None, lat=None)
    w.e4 = create(w, seed=4, name="八字哨化工", operating_region="430903101201", lon=112.405, lat=28.605)
    w.e5 = create(w, seed=5, name="已关闭建筑", category="construction", lon=112.315, lat=28.506, status="closed")
    w.ex = create(w, actor=w.other_county_user, seed=6, name="资阳化工", operating_region="430902001001",
                  lon=112.205, lat=28.555)
    # Registered in 赫山区 but operating in 资阳区: 资阳区's gap, not 赫山区's.
    w.elsewhere = create(w, actor=w.admin, seed=7, name="异地经营化工", operating_region="430902001001",
                         registered_region="430903", lon=112.206, lat=28.556)
    return w


def town(report, code):
    return next(t for t in report.towns if t.code == code)


class TestCounts:
    def test_county_summary(self, gaps):
        report = coverage.report(gaps.county_user)
        s = report.summary
        assert (s["enterprises"], s["no_grid"], s["no_officer"], s["no_department"]) == (4, 1, 2, 1)
        assert (s["grids"], s["grids_without_officer"], s["officers"], s["untrained_officers"]) == (3, 2, 1, 1)
        assert s["categories_without_department"] == 23  # 24 categories, one with a lead department

    def test_per_town(self, gaps):
        report = coverage.report(gaps.county_user)
        a, b = town(report, "430903001000"), town(report, "430903101000")
        assert (a.enterprises, a.no_grid, a.no_officer, a.no_department, a.grids, a.grids_without_officer) == \
            (3, 1, 1, 1, 2, 1)
        assert (a.officers, a.untrained_officers, a.workload_mean) == (1, 1, 1.0)
        assert (b.enterprises, b.no_grid, b.no_officer, b.no_department, b.grids, b.grids_without_officer) == \
            (1, 0, 1, 0, 1, 1)
        assert b.officers == 0

    def test_rows_name_the_gaps(self, gaps):
        names = {kind: [r["name"] for r in coverage.with_towns(coverage.rows(gaps.county_user, kind))]
                 for kind in ("no_grid", "no_officer", "no_department")}
        assert names == {"no_grid": ["无坐标化工"], "no_officer": ["宏盛建筑", "八字哨化工"],
                         "no_department": ["宏盛建筑"]}
        grids = coverage.with_towns(coverage.rows(gaps.county_user, "grids_without_officer"))
        assert [(g["code"], g["town"], g["enterprises"]) for g in grids] == \
            [("HLS-02", "会龙山街道", 1), ("BZS-01", "八字哨镇", 1)]
        assert grids[0]["url"] == f"/regions/grids/{gaps.grid_a2.pk}/"
        row = coverage.with_towns(coverage.rows(gaps.county_user, "no_grid"))[0]
        assert row["url"] == f"/registry/enterprises/{gaps.e3.pk}/" and row["town"] == "会龙山街道"

    def test_town_filter(self, gaps):
        rows = coverage.rows(gaps.county_user, "no_officer", coverage.find_town(gaps.county_user, "430903101000"))
        assert [r["name"] for r in rows] == ["八字哨化工"]

    def test_trained_officer_and_staffed_grid_close_gaps(self, gaps):
        rs.appoint_grid_officer(user=gaps.officer_user, grids=[gaps.grid_a1, gaps.grid_a2], actor=None,
                                trained_on=date(2025, 1, 6))
        s = coverage.report(gaps.county_user).summary
        assert (s["no_officer"], s["grids_without_officer"], s["untrained_officers"]) == (1, 1, 0)

    def test_voided_department_is_no_department(self, gaps):
        from safegrid.core.services import void

        void(gaps.department, "撤并", gaps.admin)
        assert coverage.report(gaps.county_user).summary["no_department"] == 4  # every enterprise now


class TestWorkload:
    def test_shared_grid_counts_one_kth(self, gaps):
        second = _officer(gaps, "officer2", [gaps.grid_a1, gaps.grid_a2])
        officers = {o.username: o for o in coverage.officer_workloads(gaps.county_user)[0]}
        # HLS-01 (1 enterprise) shared by two officers; HLS-02 (1 enterprise) by officer2 alone.
        assert officers["officer"].workload == 0.5
        assert officers["officer2"].workload == 1.5
        assert second.pk == officers["officer2"].id

    def test_limit_setting_flags_over_limit(self, gaps, settings):
        settings.SAFEGRID_OFFICER_WORKLOAD_LIMIT = 0.5
        report = coverage.report(gaps.county_user)
        [officer] = report.officers
        assert officer.over_limit and officer.overloaded
        assert report.summary["overloaded_officers"] == 1
        assert [r["username"] for r in coverage.rows(gaps.county_user, "overloaded_officers")] == ["officer"]

    def test_default_limit_is_the_field_figure(self, gaps):
        assert coverage.workload_limit() == 200
        assert not coverage.report(gaps.county_user).officers[0].over_limit

    def test_iqr_fence(self):
        assert coverage.iqr_fence([1, 2, 3]) is None
        # inclusive quartiles of 1..8: Q1 2.75, Q3 6.25 -> fence 6.25 + 1.5 * 3.5 = 11.5
        assert coverage.iqr_fence([1, 2, 3, 4, 5, 6, 7, 8]) == 11.5

    def test_statistical_outlier(self, gaps):
        grids = [gaps.grid_a1, gaps.grid_a2, gaps.grid_b1]
        for i, grid in enumerate(grids):
            _officer(gaps, f"extra{i}", [grid])
        for i in range(6):  # crowd HLS-01 (shared by officer and extra0): 7 enterprises there
            create(gaps, seed=100 + i, name=f"加密{i}", lon=112.301 + i / 1000, lat=28.501)
        officers = {o.username: o for o in coverage.officer_workloads(gaps.county_user)[0]}
        assert officers["officer"].workload == 3.5 and officers["extra1"].workload == 1.0
        fence = coverage.iqr_fence([o.workload for o in officers.values()])
        assert officers["officer"].outlier == (3.5 > fence)
        assert not officers["extra1"].outlier


def _officer(world, username, grids):
    from safegrid.accounts.services import create_user
    from safegrid.core.roles import Role

    user = create_user(username=username, password=PASSWORD, role=Role.GRID_OFFICER, actor=None, grids=grids)
    return rs.appoint_grid_officer(user=user, grids=grids, actor=None, trained_on=date(2025, 1, 6))


class TestScope:
    def test_town_officer_sees_own_town_only(self, gaps):
        report = coverage.report(gaps.town_user)
        assert [t.code for t in report.towns] == ["430903001000"]
        assert report.summary["enterprises"] == 3
        names = [r["name"] for r in coverage.rows(gaps.town_user, "no_officer")]
        assert names == ["宏盛建筑"]

    def test_other_county_sees_its_own_and_the_elsewhere_firm(self, gaps):
        report = coverage.report(gaps.other_county_user)
        assert report.summary["enterprises"] == 2
        assert {t.code for t in report.towns} == {"430902001000"}

    @pytest.mark.parametrize("who", ["county_user", "town_user", "leader", "admin"])
    def test_page_and_api_for_coverage_roles(self, gaps, who):
        client = gaps.client(getattr(gaps, who))
        page = client.get(COVERAGE_URL)
        assert page.status_code == 200
        assert "监管盲区" in page.content.decode()
        api = client.get(API_URL)
        assert api.status_code == 200
        assert {k["kind"] for k in api.json()["kinds"]} == set(coverage.KINDS)

    @pytest.mark.parametrize("who", ["dept_user", "officer_user", "enterprise_user"])
    def test_other_roles_forbidden(self, gaps, who):
        client = gaps.client(getattr(gaps, who))
        for url in (COVERAGE_URL, COVERAGE_URL + "no_grid/", COVERAGE_URL + "export/", API_URL,
                    API_URL + "no_grid/"):
            assert client.get(url).status_code == 403, url

    def test_anonymous(self, gaps):
        client = gaps.client()
        for url in (COVERAGE_URL, COVERAGE_URL + "no_grid/", COVERAGE_URL + "export/"):
            response = client.get(url)
            assert response.status_code == 302 and "/login" in response["Location"]
        assert client.get(API_URL).status_code == 401
        assert client.get(API_URL + "no_grid/").status_code == 401

    def test_out_of_scope_town_is_404(self, gaps):
        client = gaps.client(gaps.town_user)
        assert client.get(COVERAGE_URL + "no_officer/?town=430903101000").status_code == 404
        assert client.get(API_URL + "no_officer/?town=430903101000").status_code == 404
        ok = client.get(API_URL + "no_officer/?town=430903001000")
        assert [r["name"] for r in ok.json()["results"]] == ["宏盛建筑"]

    def test_out_of_scope_rows_absent_in_api(self, gaps):
        rows = gaps.client(gaps.town_b_user).get(API_URL + "no_officer/").json()["results"]
        assert [r["name"] for r in rows] == ["八字哨化工"]

    def test_unknown_kind_is_404(self, gaps):
        client = gaps.client(gaps.county_user)
        assert client.get(COVERAGE_URL + "nonsense/").status_code == 404
        assert client.get(API_URL + "nonsense/").status_code == 404


class TestPagesAndExport:
    def test_api_per_town(self, gaps):
        body = gaps.client(gaps.county_user).get(API_URL).json()
        towns = {t["code"]: t for t in body["towns"]}
        assert towns["430903101000"]["no_officer"] == 1 and body["summary"]["no_grid"] == 1
        assert body["workload_limit"] == 200

    def test_drill_down_page_links(self, gaps):
        html = gaps.client(gaps.county_user).get(COVERAGE_URL + "no_grid/").content.decode()
        assert f'href="/registry/enterprises/{gaps.e3.pk}/"' in html and "无坐标化工" in html
        html = gaps.client(gaps.county_user).get(COVERAGE_URL).content.decode()
        assert "/registry/coverage/no_officer/?town=430903101000" in html

    def test_every_kind_page_renders(self, gaps):
        client = gaps.client(gaps.county_user)
        for kind in coverage.KINDS:
            assert client.get(f"{COVERAGE_URL}{kind}/").status_code == 200, kind

    def test_export_workbook(self, gaps):
        response = gaps.client(gaps.town_user).get(COVERAGE_URL + "export/")
        assert response.status_code == 200
        book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
        assert book.sheetnames == ["汇总"] + [k.label for k in coverage.KINDS.values()]
        summary = list(book["汇总"].values)
        assert summary[1][:5] == ("会龙山街道", 3, 1, 1, 1) and summary[-1][0] == "合计"
        no_officer = list(book["网格无网格员的单位"].values)
        assert [row[0] for row in no_officer[1:]] == ["宏盛建筑"]  # the town officer's scope only


class TestAssignGridsCommand:
    def test_keeps_overrides_and_prints_counts(self, gaps):
        services.override_grid(gaps.e1, grid=gaps.grid_a2, reason="实际经营在隔壁", actor=gaps.county_user)
        Enterprise.objects.filter(pk=gaps.e2.pk).update(grid=None, scope_path=gaps.village_a.path)
        out = io.StringIO()
        call_command("assign_grids", "--county", "430903", stdout=out)
        gaps.e1.refresh_from_db()
        gaps.e2.refresh_from_db()
        assert gaps.e1.grid == gaps.grid_a2 and gaps.e1.grid_override_reason
        assert gaps.e2.grid == gaps.grid_a2 and gaps.e2.scope_path == gaps.grid_a2.path
        assert "changed=1" in out.getvalue() and "checked=3" in out.getvalue()

    def test_point_across_the_border_stays_a_gap(self, gaps):
        # Coordinates inside 资阳区's grid but operating in 赫山区: no 赫山区 grid covers it.
        stray = create(gaps, seed=40, name="坐标越界", lon=112.207, lat=28.557)
        assert stray.grid is None
        call_command("assign_grids", stdout=io.StringIO())
        stray.refresh_from_db()
        assert stray.grid is None

    def test_unknown_county(self, gaps):
        with pytest.raises(CommandError):
            call_command("assign_grids", "--county", "999999", stdout=io.StringIO())
