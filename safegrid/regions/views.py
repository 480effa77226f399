"""Pages of the jurisdiction tree: tree + map, region detail, grid detail. All scoped by `restrict`."""

from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from safegrid.accounts.views import role_required
from safegrid.core.scope import path_q

from .models import Grid, Region, with_officer_counts
from .tree import scope_tree

GRIDS_PER_PAGE = 50
# Text the map script shows (popups, legend, status), translated here rather than in JS.
MAP_LABELS = {
    "code": _("编码"), "village": _("所属村(社区)"), "officers": _("网格员"), "responsible": _("责任人"),
    "none": _("未指定"), "detail": _("查看详情"), "staffed": _("已配网格员"), "unstaffed": _("未配网格员"),
    "legend": _("图例"), "loading": _("正在加载网格…"), "empty": _("该范围内暂无网格。"),
    "failed": _("网格数据加载失败，请刷新重试。"), "all": _("全部辖区"), "count": _("个网格"),
}


def visible_regions(user):
    return Region.objects.restrict(user, "view").filter(voided_at__isnull=True)


def visible_grids(user):
    return with_officer_counts(Grid.objects.restrict(user, "view").filter(voided_at__isnull=True)
                               .select_related("region"))


def breadcrumbs(user, path):
    """The in-scope regions on `path` (itself included), from the top down."""
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    return list(visible_regions(user).filter(path__in=prefixes).order_by("path"))


def subtree_grid_counts(grid_paths, regions):
    """{region.pk: number of grids below it} from one list of grid paths."""
    return {r.pk: sum(1 for p in grid_paths if p.startswith(r.path + "/")) for r in regions}


def add_totals(nodes):
    """Give every tree node `total`: the grids in its whole subtree. Returns the sum over `nodes`."""
    for node in nodes:
        node["total"] = node["grid_count"] + add_totals(node["children"])
    return sum(node["total"] for node in nodes)


@role_required("view", Region)
def index(request):
    tree = scope_tree(request.user)
    total = add_totals(tree)
    return render(request, "regions/index.html", {
        "tree": tree,
        "total": total,
        "map_config": {"selected": request.GET.get("within", ""), "labels": MAP_LABELS},
    })


@role_required("view", Region)
def region_detail(request, code):
    regions = visible_regions(request.user)
    region = get_object_or_404(regions, code=code)
    grids = visible_grids(request.user).filter(path_q("path", [region.path])).order_by("path")
    children = list(regions.filter(parent=region).order_by("path"))
    counts = subtree_grid_counts(list(grids.values_list("path", flat=True)), children)
    for child in children:
        child.grid_total = counts[child.pk]
    page = Paginator(grids, GRIDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "regions/region_detail.html", {
        "region": region,
        "crumbs": breadcrumbs(request.user, region.path)[:-1],
        "children": children,
        "page": page,
    })


@role_required("view", Grid)
def grid_detail(request, pk):
    grid = get_object_or_404(visible_grids(request.user), pk=pk)
    officers = grid.officers.filter(voided_at__isnull=True).select_related("user").order_by("user__username")
    return render(request, "regions/grid_detail.html", {
        "grid": grid,
        "crumbs": breadcrumbs(request.user, grid.region.path),
        "officers": officers,
        "map_config": {"labels": MAP_LABELS, "feature": grid.feature()},
    })
