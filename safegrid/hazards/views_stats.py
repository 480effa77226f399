"""Read-only hazard pages for staff: the daily report (日报送, 零积压) with drill-downs, the
supervised listing (挂牌督办), credit records (信用档案) and the dishonesty list (失信名单)."""

from django.conf import settings
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode

from safegrid.accounts.views import role_required
from safegrid.registry.models import Enterprise

from . import clock, queries
from .models import Hazard, State
from .views_common import STATE_BADGE, visible

PAGE_SIZE = 50


def drilldown_params(column, day):
    """HazardFilter parameters that list exactly the hazards behind a daily-report cell."""
    iso = day.isoformat()
    return {
        "new_today": {"reported_after": iso, "reported_before": iso},
        "open": {"open": "true"},
        "due_soon": {"due_soon": "true"},
        "overdue": {"overdue": "true"},
        "closed_today": {"state": State.CLOSED.value, "closed_after": iso, "closed_before": iso},
    }[column]


def drilldown_url(column, day, town=None):
    params = drilldown_params(column, day)
    if town:
        params = {"town": town, **params}
    return f"{reverse('hazards:list')}?{urlencode(params)}"


@role_required("export", Hazard)
def daily_report(request):
    report = queries.daily_report(request.user)
    day, columns = report["date"], queries.REPORT_COLUMNS
    rows = [{"town": r["town"], "cells": [(r[key], drilldown_url(key, day, r["town_code"])) for key, _ in columns]}
            for r in report["rows"]]
    totals = [(report["totals"][key], drilldown_url(key, day)) for key, _ in columns]
    chart = {"towns": [r["town"] for r in report["rows"]],
             "series": [{"name": label, "data": [r[key] for r in report["rows"]]}
                        for key, label in columns if key in ("open", "due_soon", "overdue")]}
    return render(request, "hazards/daily.html", {
        "report": report, "columns": columns, "rows": rows, "totals": totals, "chart": chart})


@role_required("export", Hazard)
def supervised(request):
    rows, units = [], {}
    qs = queries.annotate_deadlines(queries.supervised(request.user), clock.today()).select_related(
        "enterprise", "hazard_type", "town", "assigned_department").order_by("deadline", "pk")
    for hazard in qs:
        hazard.unit = units.setdefault(hazard.region_code, queries.supervising_unit(hazard))
        hazard.days_over = (clock.today() - hazard.deadline).days
        rows.append(hazard)
    return render(request, "hazards/supervised.html", {"rows": rows})


def _credit_page(request, qs, template, extra=None):
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, {"page": page, **(extra or {})})


@role_required("export", Hazard)
def credit_records(request):
    return _credit_page(request, queries.credit_records(request.user), "hazards/credit_list.html", {
        "title": "隐患整改信用档案", "dishonest": False})


@role_required("export", Hazard)
def dishonesty_list(request):
    return _credit_page(request, queries.dishonesty_list(request.user), "hazards/credit_list.html", {
        "title": "失信名单", "dishonest": True,
        "thresholds": {"recurrences": getattr(settings, "SAFEGRID_DISHONESTY_RECURRENCES", 2),
                       "overdue": getattr(settings, "SAFEGRID_DISHONESTY_OVERDUE", 3)}})


@role_required("export", Hazard)
def enterprise_credit(request, pk):
    """One enterprise's credit record: the counts and its hazards."""
    user = request.user
    enterprise = get_object_or_404(Enterprise.objects.restrict(user, "view"), pk=pk)
    record = queries.credit_records(user).filter(pk=pk).first()
    hazards = list(visible(user).filter(enterprise=enterprise).order_by("-reported_at")[:200])
    for h in hazards:
        h.badge = STATE_BADGE.get(h.state, "text-bg-light")
    return render(request, "hazards/credit_detail.html", {
        "enterprise": enterprise, "record": record, "hazards": hazards,
        "dishonest": queries.dishonesty_list(user).filter(pk=pk).exists(),
    })
