"""Shared service helpers: compare-and-set updates and voiding."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from safegrid.audit.services import record, snapshot

from .errors import Conflict, ServiceError

# What a void changes, and all its audit event records: the rest of the row is unchanged and
# may hold personal data (mobile numbers) that the models' own audit snapshots leave out.
VOID_FIELDS = ["voided_at", "voided_by", "void_reason"]


def compare_and_set(model, pk, expected, changes):
    """UPDATE ... WHERE pk and every `expected` field still match. False when someone won first."""
    return model._default_manager.filter(pk=pk, **expected).update(**changes) == 1


@transaction.atomic
def void(obj, reason, actor):
    """Void a user-created row with a reason; never deletes."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("void.reason_required", _("作废必须填写原因。"), field="reason")
    if obj.voided_at is not None:
        raise Conflict(_("该记录已作废。"), code="void.already_voided")
    now = timezone.now()
    before = snapshot(obj, fields=VOID_FIELDS)
    changes = {"voided_at": now, "voided_by": actor, "void_reason": reason[:500]}
    if not compare_and_set(type(obj), obj.pk, {"voided_at__isnull": True}, changes):
        raise Conflict(_("该记录已被他人作废。"), code="void.already_voided")
    for field, value in changes.items():
        setattr(obj, field, value)
    record("void", obj, actor=actor, before=before, after=snapshot(obj, fields=VOID_FIELDS), reason=reason)
    return obj
