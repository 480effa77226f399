from unittest import mock

from rest_framework.test import APIClient

from safegrid.core.api import CappedPaginator
from safegrid.core.scope import path_q
from safegrid.regions import services
from safegrid.regions.models import Grid
from safegrid.testing import square


def test_subtree_excludes_siblings_sharing_a_prefix(world):
    sibling = services.create_grid(code="HLS-010", name="前缀相同的网格", region=world.village_a,
                                   polygon=square(112.33, 28.50), actor=world.admin)
    inside = Grid.objects.filter(path_q("path", [world.grid_a1.path]))
    assert list(inside) == [world.grid_a1]
    assert sibling in Grid.objects.filter(path_q("path", [world.village_a.path]))


def test_several_roots(world):
    codes = set(Grid.objects.filter(path_q("path", [world.town_b.path, world.grid_a2.path]))
                .values_list("code", flat=True))
    assert codes == {"BZS-01", "HLS-02"}
    assert not Grid.objects.filter(path_q("path", [])).exists()


def test_count_is_capped(world):
    client = APIClient()
    client.force_authenticate(world.county_user)
    with mock.patch.object(CappedPaginator, "COUNT_CAP", 2):
        body = client.get("/api/v1/grids/", {"page_size": 1}).json()
    assert body["count"] == 2 and body["count_capped"] is True
    body = client.get("/api/v1/grids/", {"page_size": 1}).json()
    assert body["count"] == 3 and body["count_capped"] is False


def test_text_search_is_counted_up_to_its_own_cap(world):
    client = APIClient()
    client.force_authenticate(world.county_user)
    with mock.patch.object(CappedPaginator, "TEXT_COUNT_CAP", 1):
        body = client.get("/api/v1/grids/", {"q": "网格", "page_size": 1}).json()
        assert body["count"] == 1 and body["count_capped"] is True
        body = client.get("/api/v1/grids/", {"page_size": 1}).json()
        assert body["count"] == 3 and body["count_capped"] is False
