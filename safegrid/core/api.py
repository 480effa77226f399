"""Shared API pieces: pagination, the error format {code, field, message} and serializers
that build their fields once per class."""

import copy

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from django.db.models.sql.where import WhereNode
from django.http import Http404
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from rest_framework import exceptions, fields, relations, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import ServiceError
from .roles import role_may


class CappedPaginator(DjangoPaginator):
    """Counts at most COUNT_CAP + 1 rows: an exact count of a county's 200,000 rows costs a
    full scan on every page, and nobody pages that far. `count_capped` tells clients.

    A page is read in two steps: the ids of the page (ordering on the narrow row only), then
    those rows with their joins. Otherwise the database joins every row in scope before it
    sorts (20,000 joined rows for a county page on SQLite: 130 ms instead of 30 ms)."""

    COUNT_CAP = 10_000
    TEXT_COUNT_CAP = 500  # a text search reads every candidate row to count it: 10 pages of 50

    def __init__(self, *args, count_cap=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.count_cap = count_cap or self.COUNT_CAP

    @cached_property
    def count(self):
        rows = self.object_list
        if isinstance(rows, QuerySet):
            rows = rows.values("pk")  # no annotation is computed for 10,001 rows only to be counted
            if connection.vendor == "sqlite":
                # SQLite would sort every row in scope before counting. PostgreSQL keeps the order:
                # it then walks the list-order index and stops at the cap, where an unordered count
                # of a county is estimated high enough to pick a sequential scan.
                rows = rows.order_by()
        counted = rows[: self.count_cap + 1].count()
        self.capped = counted > self.count_cap
        return min(counted, self.count_cap)

    def _get_page(self, object_list, number, paginator):
        if _plain_rows(object_list):
            ids = list(object_list.values_list("pk", flat=True))
            rows = self.object_list.order_by()
            # The ids come from the scoped, filtered query: re-reading them by primary key needs
            # no other condition (keeping them makes PostgreSQL re-scan the scope).
            rows.query.where = WhereNode()
            found = {row.pk: row for row in rows.filter(pk__in=ids)}
            object_list = [found[pk] for pk in ids if pk in found]
        return super()._get_page(object_list, number, paginator)


def _plain_rows(object_list):
    """A sliced queryset of model instances with no DISTINCT or UNION (those cannot be re-filtered)."""
    if not isinstance(object_list, QuerySet) or object_list._iterable_class is not ModelIterable:
        return False
    query = object_list.query
    return query.is_sliced and not (query.distinct or query.combinator)


class Pagination(PageNumberPagination):
    """Every list's `q` is its text search: counted up to CappedPaginator.TEXT_COUNT_CAP."""

    page_size_query_param = "page_size"
    max_page_size = 500
    count_cap = None

    def paginate_queryset(self, queryset, request, view=None):
        text = (request.query_params.get("q") or "").strip()
        self.count_cap = CappedPaginator.TEXT_COUNT_CAP if text else None
        return super().paginate_queryset(queryset, request, view)

    def django_paginator_class(self, object_list, per_page):
        return CappedPaginator(object_list, per_page, count_cap=self.count_cap)

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        response.data["count_capped"] = getattr(self.page.paginator, "capped", False)
        return response

    def get_paginated_response_schema(self, schema):
        schema = super().get_paginated_response_schema(schema)
        schema["properties"]["count_capped"] = {"type": "boolean"}
        return schema


def _flatten(detail, field=None):
    """DRF ValidationError detail -> list of {code, field, message}."""
    if isinstance(detail, dict):
        out = []
        for key, value in detail.items():
            name = key if key != "non_field_errors" else None
            out += _flatten(value, f"{field}.{name}" if field and name else (name or field))
        return out
    if isinstance(detail, list):
        out = []
        for item in detail:
            out += _flatten(item, field)
        return out
    code = getattr(detail, "code", "invalid") or "invalid"
    return [{"code": code, "field": field, "message": str(detail)}]


_GENERIC = {
    exceptions.NotAuthenticated: ("not_authenticated", "未登录或登录已过期，请先登录。"),
    exceptions.AuthenticationFailed: ("authentication_failed", "身份凭据无效。"),
    exceptions.PermissionDenied: ("permission_denied", "您没有执行该操作的权限。"),
    exceptions.NotFound: ("not_found", "对象不存在或不在您的辖区内。"),
    exceptions.MethodNotAllowed: ("method_not_allowed", "不支持该请求方法。"),
    exceptions.Throttled: ("throttled", "请求过于频繁，请稍后再试。"),
    exceptions.ParseError: ("parse_error", "请求内容无法解析。"),
    exceptions.UnsupportedMediaType: ("unsupported_media_type", "不支持的内容类型。"),
}


def exception_handler(exc, context):
    if isinstance(exc, ServiceError):
        return Response(exc.as_dict(), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        first = errors[0] if errors else {"code": "invalid", "field": None, "message": _("输入有误。")}
        response.data = {**first, "errors": errors}
        response.status_code = status.HTTP_400_BAD_REQUEST
        return response
    for cls, (code, message) in _GENERIC.items():
        if isinstance(exc, cls):
            response.data = {"code": code, "field": None, "message": message}
            return response
    response.data = {"code": getattr(exc, "default_code", "error"), "field": None,
                     "message": str(getattr(exc, "detail", exc))}
    return response


ACTION_OF = {"list": "view", "retrieve": "view", "create": "change", "update": "change",
             "partial_update": "change", "destroy": "change"}


class RestrictedViewMixin:
    """Every API queryset goes through `restrict(user, action)`; out of scope means 404.

    A role that may not perform the action at all gets 403 before any lookup.
    """

    def scope_action(self):
        return ACTION_OF.get(self.action, getattr(self, "extra_scope_actions", {}).get(self.action, "view"))

    def get_queryset(self):
        return self.queryset.all().restrict(self.request.user, self.scope_action())

    def check_permissions(self, request):
        super().check_permissions(request)
        user = request.user
        role = "admin" if user.is_superuser else getattr(user, "role", None)
        if not role_may(role, self.scope_action(), self.queryset.model):
            self.permission_denied(request, message="您的角色无权执行该操作。")


# Fields that hold bound children (a nested serializer's fields, a many-relation's child): DRF's
# own deep copy is needed so that the children's parent (and so their context) is this instance.
_NESTING = (serializers.BaseSerializer, relations.ManyRelatedField, fields.ListField, fields.DictField)


class FieldTemplateMixin:
    """A ModelSerializer builds every field from the model's metadata for every instance it
    serializes (about 2.5 ms for the hazard detail's 50 fields on each answer). This builds them
    once per class and gives each instance copies: a shallow copy of a plain field (binding sets
    its name, parent and source on the copy), DRF's deep copy of a nesting one. For serializers
    whose fields do not depend on the instance, its data or its context (as ours do not)."""

    def get_fields(self):
        cls = type(self)
        template = cls.__dict__.get("_field_template")
        if template is None:
            template = super().get_fields()
            cls._field_template = template
        return {name: copy.deepcopy(field) if isinstance(field, _NESTING) else _shallow_copy(field)
                for name, field in template.items()}


def _shallow_copy(field):
    """copy.copy without the pickle protocol's detour (a third of the cost): same class, same
    attributes (Field.__new__ records empty constructor arguments, replaced by the template's)."""
    clone = field.__class__.__new__(field.__class__)
    clone.__dict__.update(field.__dict__)
    return clone
