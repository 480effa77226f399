"""Permission matrix of the tree + map page, region detail and grid detail."""

import pytest
from django.test import Client
from django.urls import reverse

NOT_FOUND = "对象不存在或不在您的辖区内"


def region_url(region):
    return reverse("regions:detail", args=[region.code])


def grid_url(grid):
    return reverse("regions:grid", args=[grid.pk])


class TestIndex:
    def test_anonymous_redirected(self, world):
        response = Client().get("/regions/")
        assert response.status_code == 302 and response["Location"].startswith("/login/?next=")

    def test_enterprise_forbidden(self, world):
        response = world.client(world.enterprise_user).get("/regions/")
        assert response.status_code == 403 and "无权限" in response.text

    def test_town_tree_has_only_own_town(self, world):
        response = world.client(world.town_user).get("/regions/")
        assert response.status_code == 200
        assert [n["code"] for n in response.context["tree"]] == [world.town_a.code]
        assert "会龙山街道" in response.text and "八字哨镇" not in response.text
        assert response.context["total"] == 2

    def test_county_tree_has_both_towns(self, world):
        response = world.client(world.county_user).get("/regions/")
        (county,) = response.context["tree"]
        assert [n["name"] for n in county["children"]] == ["会龙山街道", "八字哨镇"]
        assert county["total"] == 3

    def test_officer_tree_lists_own_grid(self, world):
        response = world.client(world.officer_user).get("/regions/")
        assert [n["code"] for n in response.context["tree"]] == ["HLS-01"]

    def test_map_uses_geojson_api_and_no_external_url(self, world):
        response = world.client(world.county_user).get("/regions/?within=430903001000")
        assert reverse("grid-geojson") in response.text
        assert "http://" not in response.text and "https://" not in response.text
        assert response.context["map_config"]["selected"] == "430903001000"

    def test_basemap_is_passed_when_configured(self, world, settings):
        settings.SAFEGRID_BASEMAP_URL = "/tiles/{z}/{x}/{y}.png"
        response = world.client(world.county_user).get("/regions/")
        assert 'data-basemap-url="/tiles/{z}/{x}/{y}.png"' in response.text


class TestRegionDetail:
    def test_in_scope(self, world):
        response = world.client(world.town_user).get(region_url(world.town_a))
        assert response.status_code == 200
        assert [c.name for c in response.context["children"]] == ["会龙山社区"]
        assert {g.code for g in response.context["page"].object_list} == {"HLS-01", "HLS-02"}

    @pytest.mark.parametrize("attr,region", [("town_b_user", "town_a"), ("town_user", "county"),
                                             ("other_county_user", "town_a"), ("officer_user", "village_a")])
    def test_out_of_scope_is_404(self, world, attr, region):
        response = world.client(getattr(world, attr)).get(region_url(getattr(world, region)))
        assert response.status_code == 404 and NOT_FOUND in response.text

    def test_unknown_code_is_404(self, world):
        assert world.client(world.admin).get("/regions/999999/").status_code == 404

    def test_anonymous_redirected(self, world):
        assert Client().get(region_url(world.town_a)).status_code == 302

    def test_enterprise_forbidden(self, world):
        assert world.client(world.enterprise_user).get(region_url(world.town_a)).status_code == 403

    def test_county_children_carry_subtree_grid_counts(self, world):
        response = world.client(world.county_user).get(region_url(world.county))
        assert {c.name: c.grid_total for c in response.context["children"]} == {"会龙山街道": 2, "八字哨镇": 1}
        assert response.context["page"].paginator.count == 3

    def test_breadcrumbs_stop_at_scope(self, world):
        response = world.client(world.town_user).get(region_url(world.village_a))
        assert [c.name for c in response.context["crumbs"]] == ["会龙山街道"]


class TestGridDetail:
    def test_in_scope_shows_officers_and_map(self, world):
        response = world.client(world.town_user).get(grid_url(world.grid_a1))
        assert response.status_code == 200
        assert [o.user.username for o in response.context["officers"]] == ["officer"]
        feature = response.context["map_config"]["feature"]
        assert feature["properties"]["code"] == "HLS-01" and feature["properties"]["officers"] == 1

    def test_grid_without_officer_is_flagged(self, world):
        response = world.client(world.town_user).get(grid_url(world.grid_a2))
        assert "该网格尚未配备网格员。" in response.text

    @pytest.mark.parametrize("attr,grid", [("town_b_user", "grid_a1"), ("officer_user", "grid_a2"),
                                           ("other_county_user", "grid_b1"), ("county_user", "grid_x1")])
    def test_out_of_scope_is_404(self, world, attr, grid):
        response = world.client(getattr(world, attr)).get(grid_url(getattr(world, grid)))
        assert response.status_code == 404 and NOT_FOUND in response.text

    def test_officer_sees_own_grid(self, world):
        assert world.client(world.officer_user).get(grid_url(world.grid_a1)).status_code == 200

    def test_anonymous_redirected(self, world):
        assert Client().get(grid_url(world.grid_a1)).status_code == 302


def test_admin_site_is_read_only_for_tree(world):
    from safegrid.accounts.models import User

    User.objects.filter(pk=world.admin.pk).update(is_staff=True, is_superuser=True)
    client = world.client(User.objects.get(pk=world.admin.pk))
    assert client.get("/admin/regions/grid/").status_code == 200
    assert client.get("/admin/regions/grid/add/").status_code == 403
    page = client.get(f"/admin/regions/grid/{world.grid_a1.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.text
