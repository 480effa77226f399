"""Read-only helpers: checklist choice, visible inspections, public draw results."""

from django.db.models import Count, Q

from .models import Checklist, Finding, Inspection, InspectionState, ItemResult, RandomDraw


def checklist_for_categories():
    """A function category_id -> checklist id: the sector checklist, else the general one."""
    by_category = {}
    for checklist_id, category_id in (Checklist.objects.filter(active=True, general=False)
                                      .order_by("-code").values_list("pk", "categories")):
        if category_id is not None:
            by_category[category_id] = checklist_id
    general = Checklist.objects.filter(active=True, general=True).values_list("pk", flat=True).first()
    return lambda category_id: by_category.get(category_id, general)


def visible(user, action="view"):
    return (Inspection.objects.restrict(user, action).filter(voided_at__isnull=True)
            .select_related("enterprise", "department", "checklist"))


def progress(inspection):
    """(recorded items, total items, failed items)."""
    total = inspection.checklist.items.count()
    counts = inspection.findings.aggregate(done=Count("pk"), failed=Count("pk", filter=Q(result=ItemResult.FAIL)))
    return counts["done"], total, counts["failed"]


def public_results(draw):
    """Published draw, carried-out inspections only: a planned one stays secret (四不两直)."""
    return (draw.inspections.filter(state=InspectionState.SIGNED, voided_at__isnull=True)
            .select_related("enterprise", "department").order_by("signed_at", "pk"))


def published_draws():
    return RandomDraw.objects.filter(published_at__isnull=False).order_by("-published_at")


def failed_findings(inspection):
    return (Finding.objects.filter(inspection=inspection, result=ItemResult.FAIL)
            .select_related("item", "hazard", "first_finding__inspection__department"))
