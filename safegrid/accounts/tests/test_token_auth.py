"""API tokens: the token's user is cached per process and dropped when a token or user changes."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from safegrid.accounts.authentication import CachedTokenAuthentication
from safegrid.accounts.models import ScopeGrant, User

GRIDS = "/api/v1/grids/"


def api(token=None):
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def codes(response):
    return sorted(g["code"] for g in response.json()["results"])


@pytest.mark.django_db
class TestCachedTokenAuthentication:
    def test_in_scope_out_of_scope_and_anonymous(self, world):
        town = Token.objects.create(user=world.town_user).key
        other = Token.objects.create(user=world.other_county_user).key
        assert codes(api(town).get(GRIDS)) == codes(api(town).get(GRIDS))  # second call from the cache
        own, others = codes(api(town).get(GRIDS)), codes(api(other).get(GRIDS))
        assert own and all(code.startswith("HLS") for code in own)
        assert others and not any(code.startswith("HLS") for code in others)
        assert api().get(GRIDS).status_code == 401
        assert api("0" * 40).get(GRIDS).status_code == 401

    def test_each_request_gets_its_own_user(self, world):
        key = Token.objects.create(user=world.town_user).key
        auth = CachedTokenAuthentication()
        first, _ = auth.authenticate_credentials(key)
        first.backend = "changed by a view"
        first._scope_paths = ["43"]
        second, token = auth.authenticate_credentials(key)
        assert second is not first and second.pk == first.pk and token.user is second
        assert not hasattr(second, "backend") and not hasattr(second, "_scope_paths")

    def test_a_deleted_token_is_refused_at_once(self, world):
        token = Token.objects.create(user=world.town_user)
        assert api(token.key).get(GRIDS).status_code == 200
        token.delete()  # revoked by an administrator
        assert api(token.key).get(GRIDS).status_code == 401

    def test_a_deactivated_user_is_refused_at_once(self, world):
        key = Token.objects.create(user=world.town_user).key
        assert api(key).get(GRIDS).status_code == 200
        User.objects.filter(pk=world.town_user.pk).update(is_active=False)  # no signals, no save()
        assert api(key).get(GRIDS).status_code == 401

    def test_an_unknown_key_is_not_cached(self, world):
        from safegrid.core import refcache

        api("1" * 40).get(GRIDS)
        assert ("api_token", "1" * 40) not in refcache._entries

    def test_a_changed_grant_changes_the_scope_at_once(self, world):
        key = Token.objects.create(user=world.town_user).key
        assert "BZS-01" not in codes(api(key).get(GRIDS))
        ScopeGrant.objects.filter(user=world.town_user).update(path=world.town_b.path)
        found = codes(api(key).get(GRIDS))
        assert found == ["BZS-01"]
