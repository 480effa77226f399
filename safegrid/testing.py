"""Test helpers shared by every app's tests: a small jurisdiction and one user per role.

Tree: 湖南省 / 益阳市 / 赫山区 (430903) with two towns, each with one village and two grids,
plus a second county (资阳区 430902) for out-of-scope checks.
"""

import datetime

from django.test import Client

from safegrid.accounts.services import create_user
from safegrid.core.roles import Role
from safegrid.regions import services as rs
from safegrid.regions.models import RegionLevel

PASSWORD = "Safe-Grid-2026"
# Browser waits in the Playwright journeys: CI shares two cores between two test workers,
# two browsers and two live servers.
SLOW_MACHINE_TIMEOUT_MS = 60_000


def square(lon, lat, size=0.01):
    return {"type": "Polygon", "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size],
                                                [lon, lat + size], [lon, lat]]]}


class World:
    """Build with `World.build()`; attributes name the regions, grids and users."""

    @classmethod
    def build(cls):
        w = cls()
        w.province = rs.create_region(code="430000", name="湖南省", level=RegionLevel.PROVINCE, parent=None, actor=None)
        w.city = rs.create_region(code="430900", name="益阳市", level=RegionLevel.CITY, parent=w.province, actor=None)
        w.county = rs.create_region(code="430903", name="赫山区", level=RegionLevel.COUNTY, parent=w.city, actor=None)
        w.other_county = rs.create_region(code="430902", name="资阳区", level=RegionLevel.COUNTY,
                                          parent=w.city, actor=None)
        w.town_a = rs.create_region(code="430903001000", name="会龙山街道", level=RegionLevel.TOWN,
                                    parent=w.county, actor=None)
        w.town_b = rs.create_region(code="430903101000", name="八字哨镇", level=RegionLevel.TOWN,
                                    parent=w.county, actor=None)
        w.town_x = rs.create_region(code="430902001000", name="汽车路街道", level=RegionLevel.TOWN,
                                    parent=w.other_county, actor=None)
        w.village_a = rs.create_region(code="430903001001", name="会龙山社区", level=RegionLevel.VILLAGE,
                                       parent=w.town_a, actor=None)
        w.village_b = rs.create_region(code="430903101201", name="八字哨村", level=RegionLevel.VILLAGE,
                                       parent=w.town_b, actor=None)
        w.village_x = rs.create_region(code="430902001001", name="汽车路社区", level=RegionLevel.VILLAGE,
                                       parent=w.town_x, actor=None)
        w.grid_a1 = rs.create_grid(code="HLS-01", name="会龙山第一网格", region=w.village_a,
                                   polygon=square(112.30, 28.50), actor=None)
        w.grid_a2 = rs.create_grid(code="HLS-02", name="会龙山第二网格", region=w.village_a,
                                   polygon=square(112.31, 28.50), actor=None)
        w.grid_b1 = rs.create_grid(code="BZS-01", name="八字哨第一网格", region=w.village_b,
                                   polygon=square(112.40, 28.60), actor=None)
        w.grid_x1 = rs.create_grid(code="QCL-01", name="汽车路第一网格", region=w.village_x,
                                   polygon=square(112.20, 28.55), actor=None)
        w.department = rs.create_department(name="区住房和城乡建设局", county=w.county, actor=None)
        w.other_department = rs.create_department(name="区住房和城乡建设局", county=w.other_county, actor=None)

        def user(username, role, **kw):
            return create_user(username=username, password=PASSWORD, role=role, actor=None,
                               name=kw.pop("name", username), **kw)

        w.admin = user("admin", Role.ADMIN)
        w.county_user = user("county", Role.COUNTY_OFFICE, regions=[w.county])
        w.town_user = user("town_a", Role.TOWN_OFFICE, regions=[w.town_a])
        w.town_b_user = user("town_b", Role.TOWN_OFFICE, regions=[w.town_b])
        w.other_county_user = user("zy_county", Role.COUNTY_OFFICE, regions=[w.other_county])
        w.dept_user = user("dept", Role.DEPARTMENT, department=w.department, regions=[w.county])
        w.officer_user = user("officer", Role.GRID_OFFICER, grids=[w.grid_a1])
        w.leader = user("leader", Role.LEADER, regions=[w.county])
        w.enterprise_user = user("enterprise", Role.ENTERPRISE)
        w.officer = rs.appoint_grid_officer(user=w.officer_user, grids=[w.grid_a1], actor=None,
                                            trained_on=datetime.date(2025, 1, 6))
        return w

    def client(self, user=None):
        client = Client()
        if user is not None:
            client.force_login(user)
        return client


def reseed_if_flushed(sender, using="default", **kwargs):
    """post_migrate receiver for tests: reseed once when the reference tables are empty."""
    from safegrid.registry.models import SafetyCategory

    if sender.label == "registry" and not SafetyCategory.objects.using(using).exists():
        reseed_reference_data()


def reseed_reference_data():
    """Run the data migrations named *seed* again, in dependency order.

    Transactional tests (live server, thread races) end with a flush that empties every
    table, including the reference data the migrations seeded (categories, standards,
    holidays); later tests on the same database need it back.
    """
    from django.apps import apps as global_apps
    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.migrations.operations import RunPython

    loader = MigrationLoader(connection, ignore_no_migrations=True)
    ordered = []
    for leaf in loader.graph.leaf_nodes():
        ordered += [node for node in loader.graph.forwards_plan(leaf) if node not in ordered]
    with connection.schema_editor(atomic=True) as editor:
        for app_label, name in ordered:
            if "seed" not in name:
                continue
            for operation in loader.graph.nodes[(app_label, name)].operations:
                if isinstance(operation, RunPython):
                    operation.code(global_apps, editor)
