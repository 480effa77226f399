"""The user's jurisdiction as a nested tree (regions down to villages, with grid counts)."""

from django.db.models import Count, Q

from .models import Grid, Region


def scope_tree(user, max_level=None):
    regions = Region.objects.restrict(user, "view").filter(voided_at__isnull=True)
    if max_level:
        regions = regions.filter(level__lte=max_level)
    regions = regions.annotate(
        grid_count=Count("grids", filter=Q(grids__voided_at__isnull=True))
    ).order_by("path")
    nodes, roots = {}, []
    for r in regions.values("id", "code", "name", "level", "path", "parent_id", "grid_count"):
        node = {**r, "children": []}
        nodes[r["id"]] = node
        parent = nodes.get(r["parent_id"])
        (parent["children"] if parent else roots).append(node)
    # Officers scoped to single grids have no region roots: list their grids instead.
    if not roots:
        grids = Grid.objects.restrict(user, "view").filter(voided_at__isnull=True).select_related("region")
        roots = [{"id": None, "code": g.code, "name": g.name, "level": 6, "path": g.path,
                  "parent_id": None, "grid_count": 1, "children": [], "grid": True,
                  "region_name": g.region.name} for g in grids]
    for node in nodes.values():
        node.pop("parent_id", None)
    return roots
