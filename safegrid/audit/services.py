"""Writing the audit trail. Every state-changing service function calls `record`."""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.forms.models import model_to_dict

from safegrid.core import context

from .models import AuditEvent


def snapshot(obj, fields=None, exclude=("password",)):
    """A JSON-safe dict of a model instance's fields, for before/after."""
    if obj is None:
        return None
    data = model_to_dict(obj, fields=fields, exclude=exclude)
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=str))


def record(action, obj=None, *, actor=None, before=None, after=None, reason="",
           object_type=None, object_id=None, region_code=None):
    ctx = context.current()
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id if object_id is not None else obj.pk
    if region_code is None:
        region_code = getattr(obj, "region_code", None) or _home_county(obj)
    actor_obj = actor if actor is not None and getattr(actor, "pk", None) else None
    return AuditEvent.objects.create(
        actor=actor_obj,
        actor_name=_actor_name(actor),
        action=action,
        object_type=object_type or "",
        object_id="" if object_id is None else str(object_id),
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        reason=reason[:500],
        request_id=ctx.request_id,
        client_ip=ctx.client_ip,
        region_code=region_code[:6],
    )


def _home_county(obj):
    """Users carry no region_code: file their events under their first county, if any."""
    paths = obj.scope_paths() if hasattr(obj, "scope_paths") else []
    parts = paths[0].split("/") if paths else []
    return parts[2] if len(parts) >= 3 else ""


def _actor_name(actor):
    if actor is None or not getattr(actor, "pk", None):
        return "系统" if actor is None else "匿名"
    return getattr(actor, "display_name", None) or actor.get_username()
