import time

from . import metrics, views


class OpsMiddleware:
    """First in MIDDLEWARE: answers /healthz, /readyz and /metrics before host validation, HTTPS
    redirect, sessions or the database (probes come by plain HTTP from 127.0.0.1 or the load
    balancer's address), and times every other request for the metrics."""

    ENDPOINTS = {"/healthz": views.healthz, "/readyz": views.readyz, "/metrics": views.metrics_endpoint}

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        endpoint = self.ENDPOINTS.get(request.path_info)
        if endpoint is not None:
            return endpoint(request)
        started = time.perf_counter()
        response = self.get_response(request)
        metrics.observe(request, response.status_code, time.perf_counter() - started)
        return response

    def process_exception(self, request, exception):
        metrics.count_exception(request, exception)
