"""Public results of published draws (双随机一公开), no login.

Shown: the draw (name, period, date, seed and directory versions so anyone can check it), and for
each inspection already carried out and signed: the entity's name, the inspection date, the
outcome and the inspecting department. Not shown: planned inspections (四不两直 keeps them
secret until done) and any inspector's personal details.
"""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from . import queries


def draws(request):
    return render(request, "inspections/public_draws.html", {"draws": queries.published_draws()[:100]})


def draw_results(request, pk):
    draw = get_object_or_404(queries.published_draws(), pk=pk)
    page = Paginator(queries.public_results(draw), 100).get_page(request.GET.get("page"))
    return render(request, "inspections/public_draw.html", {"draw": draw, "page": page})
