"""Enforcement in the credit record and in the safety code.

`penalty_factors` is the risk grading's "penalties" source (risk/grading.py FACTOR_SOURCES):
penalties decided within the window, per enterprise, one grouped query. `enforcement_record`
is an enterprise's orders and penalties for the credit record (信用档案).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Sum

from .models import EnforcementOrder, OrderKind, Penalty


def window_days():
    return getattr(settings, "SAFEGRID_PENALTY_WINDOW_DAYS", 365)


def penalty_factors(enterprise_ids, today):
    """{enterprise_id: {"penalties": count}} for penalties decided in the last year."""
    qs = Penalty.objects.filter(voided_at__isnull=True,
                                decided_on__gt=today - datetime.timedelta(days=window_days()),
                                decided_on__lte=today)
    if enterprise_ids is not None:
        qs = qs.filter(enterprise_id__in=enterprise_ids)
    return {row["enterprise_id"]: {"penalties": row["n"]}
            for row in qs.order_by().values("enterprise_id").annotate(n=Count("pk"))}


def enforcement_record(enterprise):
    penalties = Penalty.objects.filter(enterprise=enterprise, voided_at__isnull=True)
    orders = EnforcementOrder.objects.filter(enterprise=enterprise, voided_at__isnull=True)
    totals = penalties.aggregate(n=Count("pk"), amount=Sum("amount"))
    return {
        "penalties": totals["n"], "penalty_amount": str(Decimal(totals["amount"] or 0).quantize(Decimal("0.01"))),
        "orders": orders.count(),
        "stop_production_orders": orders.filter(kind=OrderKind.STOP_PRODUCTION).count(),
        "items": [{"type": "penalty", "id": p.pk, "decided_on": str(p.decided_on), "amount": str(p.amount),
                   "legal_basis": p.legal_basis, "content": p.content, "document_no": p.document_no}
                  for p in penalties.order_by("-decided_on")[:100]]
        + [{"type": o.kind, "label": o.get_kind_display(), "id": o.pk, "decided_on": str(o.decided_on),
            "legal_basis": o.legal_basis, "content": o.content, "document_no": o.document_no}
           for o in orders.order_by("-decided_on")[:100]],
    }
