"""API token authentication with the token's user cached per process.

DRF's TokenAuthentication reads the token and its user on every call (a query with a 30-column
join, compiled by the ORM each time). Phones and partner systems send the same token thousands of
times; the pair is kept in core.refcache, which drops it as soon as any token or user row changes
(an administrator deletes the token; deactivation, a role or password change updates the user).
Tokens are not revoked by a password change: that is the token's own policy, unchanged here."""

import copy

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from safegrid.core import refcache

TABLES = ("authtoken_token", "accounts_user")


class CachedTokenAuthentication(TokenAuthentication):
    def authenticate_credentials(self, key):
        def load():
            # An unknown key raises here, so it is never cached: random keys cannot fill the cache.
            return Token.objects.select_related("user").get(key=key)

        try:
            token = refcache.get(("api_token", key), TABLES, load)
        except Token.DoesNotExist as exc:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from exc
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        # The request gets its own copies: views may set attributes on request.user (the cached
        # scope paths, the authentication backend) that must not leak into the next request.
        token = copy.copy(token)
        token.user = copy.copy(token.user)
        return token.user, token
