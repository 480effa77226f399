"""Prometheus metrics (prometheus-client).

Request counters and latency histograms live in each process; under gunicorn set
PROMETHEUS_MULTIPROC_DIR (deploy/gunicorn.conf.py does, and empties it at start) so every worker
writes its values to files there and a scrape sums them. Queue lengths, job runs and the like are
read from the database at scrape time (DatabaseCollector), so they need no per-process state.
"""

import os
import time

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest, multiprocess
from prometheus_client.core import REGISTRY, CounterMetricFamily, GaugeMetricFamily

from . import periodic, version

REQUESTS = Counter("safegrid_http_requests_total", "HTTP requests answered, by view and status",
                   ["method", "view", "status"])
LATENCY = Histogram("safegrid_http_request_duration_seconds", "Time to answer an HTTP request",
                    ["method", "view"])
EXCEPTIONS = Counter("safegrid_http_exceptions_total", "Unhandled exceptions raised by views", ["view", "type"])


def view_label(request):
    match = getattr(request, "resolver_match", None)
    if match is not None:
        return match.view_name or match._func_path
    if request.path_info.startswith("/" + settings.STATIC_URL.lstrip("/")):
        return "static"
    return "unresolved"


def observe(request, status, seconds):
    view = view_label(request)
    REQUESTS.labels(request.method, view, str(status)).inc()
    LATENCY.labels(request.method, view).observe(seconds)


def count_exception(request, exc):
    EXCEPTIONS.labels(view_label(request), type(exc).__name__).inc()


class DatabaseCollector:
    """Figures read from the database at scrape time."""

    def collect(self):
        up = GaugeMetricFamily("safegrid_database_up", "1 when the database answered this scrape")
        try:
            families = list(database_families())
        except DatabaseError:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families


def database_families(now=None):
    from safegrid.notifications.models import Delivery, DeliveryStatus
    from safegrid.risk.models import RegradeQueue

    now = now or timezone.now()
    info = GaugeMetricFamily("safegrid_build_info", "Version of the running code", labels=["version", "revision"])
    info.add_metric([version.version(), version.revision()], 1)
    yield info

    queue = RegradeQueue.objects.aggregate(n=Count("pk"), oldest=Min("queued_at"))
    yield GaugeMetricFamily("safegrid_regrade_queue_length", "Enterprises waiting for a safety-code regrade",
                            value=queue["n"])
    age = (now - queue["oldest"]).total_seconds() if queue["oldest"] else 0
    yield GaugeMetricFamily("safegrid_regrade_queue_oldest_seconds", "Age of the oldest queued regrade", value=age)

    deliveries = GaugeMetricFamily("safegrid_notification_deliveries",
                                   "Outside notification deliveries not sent, by status", labels=["status"])
    by_status = dict(Delivery.objects.exclude(status=DeliveryStatus.SENT).order_by().values("status")
                     .annotate(n=Count("pk")).values_list("status", "n"))
    for status in (DeliveryStatus.PENDING, DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP):
        deliveries.add_metric([status.value], by_status.get(status.value, 0))
    yield deliveries

    yield from job_families(periodic.statuses(now))


def job_families(statuses):
    def gauge(name, text):
        return GaugeMetricFamily(f"safegrid_job_{name}", text, labels=["job"])

    success = gauge("last_success_timestamp_seconds", "When the periodic job last succeeded (Unix time)")
    failure = gauge("last_failure_timestamp_seconds", "When the periodic job last failed (Unix time)")
    duration = gauge("last_duration_seconds", "How long the job's last run took")
    span = gauge("window_seconds", "The job must succeed at least this often (0: not checked)")
    late = gauge("late", "1 when the job has not succeeded within its window")
    runs = CounterMetricFamily("safegrid_job_runs", "Runs of the periodic job by outcome", labels=["job", "outcome"])
    for s in statuses:
        name, run = [s.job.name], s.run
        if run and run.last_success_at:
            success.add_metric(name, run.last_success_at.timestamp())
        if run and run.last_failure_at:
            failure.add_metric(name, run.last_failure_at.timestamp())
        if run and run.last_seconds is not None:
            duration.add_metric(name, run.last_seconds)
        span.add_metric(name, s.window.total_seconds() if s.window else 0)
        late.add_metric(name, int(s.late))
        runs.add_metric(name + ["success"], run.successes if run else 0)
        runs.add_metric(name + ["failure"], run.failures if run else 0)
    yield from (success, failure, duration, span, late, runs)


def process_registry():
    """The request metrics: summed over gunicorn's workers in multiprocess mode, else this process's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def exposition():
    """The text of a scrape."""
    registry = CollectorRegistry()
    registry.register(_Proxy(process_registry()))
    registry.register(DatabaseCollector())
    return generate_latest(registry)


class _Proxy:
    def __init__(self, registry):
        self.registry = registry

    def collect(self):
        return self.registry.collect()


def request_summary():
    """Totals for the operator page: requests, server errors, mean latency, the busiest views."""
    counts, errors, sums, totals = {}, {}, {}, {}
    for family in process_registry().collect():
        for sample in family.samples:
            view = sample.labels.get("view")
            if sample.name == "safegrid_http_requests_total":
                counts[view] = counts.get(view, 0) + sample.value
                if sample.labels["status"].startswith("5"):
                    errors[view] = errors.get(view, 0) + sample.value
            elif sample.name == "safegrid_http_request_duration_seconds_sum":
                sums[view] = sums.get(view, 0) + sample.value
            elif sample.name == "safegrid_http_request_duration_seconds_count":
                totals[view] = totals.get(view, 0) + sample.value
    views = sorted(counts, key=counts.get, reverse=True)[:15]
    rows = [{"view": v, "requests": int(counts[v]), "errors": int(errors.get(v, 0)),
             "mean_ms": round(1000 * sums.get(v, 0) / totals[v], 1) if totals.get(v) else None} for v in views]
    total = sum(totals.values())
    return {
        "requests": int(sum(counts.values())),
        "errors": int(sum(errors.values())),
        "mean_ms": round(1000 * sum(sums.values()) / total, 1) if total else None,
        "views": rows,
        "multiprocess": bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")),
        "at": time.time(),
    }
