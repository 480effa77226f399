import pytest

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import ServiceError
from safegrid.regions import services
from safegrid.regions.models import Grid, Region, RegionLevel
from safegrid.testing import square


def events(action):
    return AuditEvent.objects.filter(action=action)


class TestRegionCodes:
    @pytest.mark.parametrize(
        "code,level,message",
        [
            ("43000", RegionLevel.PROVINCE, "6 位数字"),
            ("430900", RegionLevel.PROVINCE, "不符"),
            ("430000", RegionLevel.CITY, "不符"),
            ("430903001", RegionLevel.TOWN, "12 位数字"),
            ("430903001001", RegionLevel.TOWN, "不符"),
            ("430903001000", RegionLevel.VILLAGE, "不符"),
        ],
    )
    def test_code_must_match_level(self, world, code, level, message):
        parent = {RegionLevel.PROVINCE: None, RegionLevel.CITY: world.province,
                  RegionLevel.TOWN: world.county, RegionLevel.VILLAGE: world.town_a}[level]
        count = Region.objects.count()
        with pytest.raises(ServiceError) as exc:
            services.create_region(code=code, name="某地", level=level, parent=parent, actor=world.admin)
        assert exc.value.field == "code"
        assert message in exc.value.message
        assert Region.objects.count() == count

    def test_parent_of_wrong_level_is_refused(self, world):
        with pytest.raises(ServiceError) as exc:
            services.create_region(code="430903201000", name="新镇", level=RegionLevel.TOWN,
                                   parent=world.city, actor=world.admin)
        assert exc.value.code == "region.parent_level"
        assert exc.value.field == "parent"
        assert "乡镇/街道级区划的上级应为区县级" in exc.value.message
        assert not Region.objects.filter(code="430903201000").exists()

    def test_code_must_extend_parent(self, world):
        with pytest.raises(ServiceError) as exc:
            services.create_region(code="430902201000", name="错位镇", level=RegionLevel.TOWN,
                                   parent=world.county, actor=world.admin)
        assert exc.value.code == "region.code_parent_mismatch"

    def test_duplicate_code(self, world):
        with pytest.raises(ServiceError) as exc:
            services.create_region(code="430903001000", name="重复", level=RegionLevel.TOWN,
                                   parent=world.county, actor=world.admin)
        assert exc.value.code == "region.code_taken"

    def test_create_sets_path_region_code_and_audits(self, world):
        town = services.create_region(code="430903102000", name="欧江岔镇", level=RegionLevel.TOWN,
                                      parent=world.county, actor=world.admin)
        assert town.path == "43/4309/430903/430903102"
        assert town.region_code == "430903"
        event = events("region_create").get(object_id=str(town.pk))
        assert event.actor == world.admin
        assert event.after["code"] == "430903102000"
        assert event.region_code == "430903"

    def test_rename_audits_before_and_after(self, world):
        services.rename_region(world.town_a, name="会龙山街道办事处", actor=world.county_user)
        event = events("region_update").get()
        assert event.before["name"] == "会龙山街道"
        assert event.after["name"] == "会龙山街道办事处"


class TestGrids:
    def test_create_grid_with_bbox_path_and_audit(self, world):
        grid = services.create_grid(code="HLS-09", name="第九网格", region=world.village_a,
                                    polygon=square(112.5, 28.5, 0.02), actor=world.county_user)
        assert grid.path == world.village_a.path + "/HLS-09"
        assert (grid.min_lon, grid.min_lat, grid.max_lon, grid.max_lat) == pytest.approx((112.5, 28.5, 112.52, 28.52))
        assert grid.region_code == "430903"
        assert events("grid_create").filter(object_id=str(grid.pk)).exists()

    def test_self_intersecting_polygon_is_refused(self, world):
        bowtie = {"type": "Polygon", "coordinates": [[[112.0, 28.0], [112.1, 28.1], [112.1, 28.0],
                                                      [112.0, 28.1], [112.0, 28.0]]]}
        count = Grid.objects.count()
        with pytest.raises(ServiceError) as exc:
            services.create_grid(code="BAD-1", name="坏网格", region=world.village_a, polygon=bowtie,
                                 actor=world.admin)
        assert exc.value.code == "geometry.invalid"
        assert exc.value.field == "polygon"
        assert "自相交" in exc.value.message
        assert Grid.objects.count() == count
        assert not events("grid_create").filter(object_repr="坏网格").exists()

    @pytest.mark.parametrize(
        "polygon,code",
        [
            ({"type": "Point", "coordinates": [112.0, 28.0]}, "geometry.not_polygon"),
            ("not json", "geometry.not_json"),
            ({"type": "Polygon", "coordinates": [[[112.0, 28.0], [112.1, 28.0]]]}, "geometry.malformed"),
            (square(28.5, 112.3), "geometry.out_of_range"),
        ],
    )
    def test_bad_polygons(self, world, polygon, code):
        with pytest.raises(ServiceError) as exc:
            services.create_grid(code="BAD-2", name="坏网格", region=world.village_a, polygon=polygon,
                                 actor=world.admin)
        assert exc.value.code == code

    def test_grid_must_sit_below_county(self, world):
        with pytest.raises(ServiceError) as exc:
            services.create_grid(code="C-1", name="区县网格", region=world.county,
                                 polygon=square(112.3, 28.3), actor=world.admin)
        assert exc.value.code == "grid.region_level"

    def test_grid_code_unique_within_county(self, world):
        with pytest.raises(ServiceError) as exc:
            services.create_grid(code="HLS-01", name="重复网格", region=world.village_a,
                                 polygon=square(112.6, 28.6), actor=world.admin)
        assert exc.value.code == "grid.code_taken"

    def test_same_grid_code_allowed_in_other_county(self, world):
        grid = services.create_grid(code="HLS-01", name="别县网格", region=world.village_x,
                                    polygon=square(112.6, 28.6), actor=world.admin)
        assert grid.region_code == "430902"

    def test_update_grid_polygon_moves_bbox(self, world):
        services.update_grid(world.grid_a1, polygon=square(112.7, 28.7), actor=world.admin)
        world.grid_a1.refresh_from_db()
        assert world.grid_a1.min_lon == pytest.approx(112.7)
        event = events("grid_update").get()
        assert event.before["polygon"] != event.after["polygon"]

    def test_bad_phone(self, world):
        with pytest.raises(ServiceError) as exc:
            services.update_grid(world.grid_a1, responsible_phone="12345", actor=world.admin)
        assert exc.value.field == "responsible_phone"


class TestDepartmentsAndOfficers:
    def test_department_unique_per_county(self, world):
        with pytest.raises(ServiceError) as exc:
            services.create_department(name="区住房和城乡建设局", county=world.county, actor=world.admin)
        assert exc.value.code == "department.name_taken"

    def test_department_needs_county(self, world):
        with pytest.raises(ServiceError):
            services.create_department(name="镇安监办", county=world.town_a, actor=world.admin)

    def test_officer_grids_in_one_county(self, world):
        with pytest.raises(ServiceError) as exc:
            services.appoint_grid_officer(user=world.officer_user, grids=[world.grid_a1, world.grid_x1],
                                          actor=world.admin)
        assert exc.value.code == "officer.grids_counties"

    def test_appointing_a_voided_officer_puts_them_back_on_duty(self, world):
        from safegrid.core.services import void

        void(world.officer, "调离", world.county_user)
        officer = services.appoint_grid_officer(user=world.officer_user, grids=[world.grid_a2], actor=world.admin)
        officer.refresh_from_db()
        assert not officer.is_voided and officer.void_reason == ""
        assert list(officer.grids.all()) == [world.grid_a2]
        assert events("grid_officer_appoint").filter(actor=world.admin).get().before["voided"] is True

    def test_reappointment_changes_grids_and_audits(self, world):
        services.appoint_grid_officer(user=world.officer_user, grids=[world.grid_a2], actor=world.admin)
        assert list(world.officer.grids.values_list("code", flat=True)) == ["HLS-02"]
        event = events("grid_officer_appoint").filter(actor=world.admin).get()
        assert event.before == {"grids": ["HLS-01"]}
        assert event.after["grids"] == ["HLS-02"]
