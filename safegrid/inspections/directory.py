"""The two directories of 双随机一公开 and their versions.

Entity directory: the registry (operating enterprises of a county, optionally of a department's
categories). Inspector directory: Inspector rows with their declared conflicts. A version is the
count, a hash of the sorted ids (with each entity's draw class, each inspector's conflicts) and,
for inspectors, the county's change counter: the same version means the same input to a draw.
"""

import hashlib
from array import array

from django.db import transaction
from django.db.models import F, Q

from safegrid.audit.services import record, snapshot
from safegrid.core.errors import PermissionDenied, ServiceError
from safegrid.core.roles import Role
from safegrid.registry.models import Enterprise, EnterpriseStatus, SafetyCategory, department_categories

from .models import (
    MANAGERS,
    ConflictKind,
    DirectoryCounter,
    Inspector,
    InspectorConflict,
    InspectorKind,
)

NO_COLOR = "none"


def _digest(groups):
    """Hash of {label: sorted ids} in label order; ids packed as 64-bit integers (fast at 200,000)."""
    h = hashlib.blake2b(digest_size=16)
    for label in sorted(groups):
        h.update(f"{label}=".encode())
        h.update(array("q", groups[label]).tobytes())
    return h.hexdigest()


# --- entity directory ---------------------------------------------------------------------------


def entity_queryset(region_code, department=None, categories=None):
    qs = Enterprise.objects.filter(region_code=region_code, voided_at__isnull=True,
                                   status=EnterpriseStatus.OPERATING)
    if department is not None:
        qs = qs.filter(category__in=department_categories(department.pk))
    if categories:
        qs = qs.filter(category__code__in=categories)
    return qs


def entity_classes(region_code, department=None, categories=None):
    """{class key "category:colour": sorted enterprise ids} and the directory version."""
    codes = dict(SafetyCategory.objects.values_list("pk", "code"))
    rows = (entity_queryset(region_code, department, categories).order_by("pk")
            .values_list("pk", "category_id", "grade__color"))
    grouped = {}
    for pk, category_id, color in rows:
        grouped.setdefault((category_id, color), []).append(pk)
    classes = {}
    for (category_id, color), ids in grouped.items():
        classes.setdefault(f"{codes[category_id]}:{color or NO_COLOR}", []).extend(ids)
    for ids in classes.values():
        ids.sort()
    return classes, {"count": sum(map(len, classes.values())), "hash": _digest(classes)}


# --- inspector directory -------------------------------------------------------------------------


def eligible_inspectors(region_code, department=None):
    """Active inspectors of the county; a department draws its own staff and the shared experts."""
    qs = Inspector.objects.filter(region_code=region_code, voided_at__isnull=True, active=True)
    if department is not None:
        qs = qs.filter(Q(department=department) | Q(department__isnull=True))
    return qs


def inspector_directory(region_code, department=None):
    """(sorted inspector ids, {enterprise_id: {inspector ids}}, version)."""
    ids = list(eligible_inspectors(region_code, department).order_by("pk").values_list("pk", flat=True))
    conflicts = {}
    pairs = (InspectorConflict.objects.filter(inspector_id__in=eligible_inspectors(region_code, department)
                                              .values("pk"), voided_at__isnull=True)
             .order_by("inspector_id", "enterprise_id").values_list("inspector_id", "enterprise_id"))
    flat = []
    for inspector_id, enterprise_id in pairs:
        conflicts.setdefault(enterprise_id, set()).add(inspector_id)
        flat += [inspector_id, enterprise_id]
    counter = DirectoryCounter.objects.filter(region_code=region_code).values_list("counter", flat=True).first()
    return ids, conflicts, {"count": len(ids), "conflicts": len(flat) // 2,
                            "hash": _digest({"inspectors": ids, "conflicts": flat}), "counter": counter or 0}


def _bump(region_code):
    counter, _ = DirectoryCounter.objects.get_or_create(region_code=region_code)
    DirectoryCounter.objects.filter(pk=counter.pk).update(counter=F("counter") + 1)


# --- changes ------------------------------------------------------------------------------------


def _manager(actor):
    role = actor.effective_role
    if role not in MANAGERS:
        raise PermissionDenied("您的角色无权维护检查人员名录。")
    return role


def _in_county(actor, region_code):
    from safegrid.registry.models import user_counties

    if actor.effective_role != Role.ADMIN and region_code not in user_counties(actor):
        raise ServiceError("region_code.out_of_scope", "只能维护本辖区区县的名录。", field="region_code")


@transaction.atomic
def save_inspector(data, *, actor, inspector=None):
    """Create or update a directory entry. A department keeps its own staff only."""
    role = _manager(actor)
    name = (data.get("name") or "").strip()
    unit = (data.get("unit") or "").strip()
    if not name:
        raise ServiceError("name.required", "请填写检查人员姓名。", field="name")
    if not unit:
        raise ServiceError("unit.required", "请填写所在单位。", field="unit")
    kind = data.get("kind") or InspectorKind.STAFF
    if kind not in InspectorKind.values:
        raise ServiceError("kind.unknown", "检查人员类别无效。", field="kind")
    department = data.get("department")
    if role == Role.DEPARTMENT:
        department = actor.department
    region_code = department.region_code if department else (data.get("region_code") or "")
    _in_county(actor, region_code)
    if kind == InspectorKind.STAFF and not (data.get("certificate_no") or "").strip():
        raise ServiceError("certificate_no.required", "执法人员须填写执法证号。", field="certificate_no")
    before = snapshot(inspector)
    inspector = inspector or Inspector()
    inspector.name, inspector.unit, inspector.kind = name[:50], unit[:100], kind
    inspector.department, inspector.region_code = department, region_code
    inspector.user = data.get("user")
    inspector.certificate_no = (data.get("certificate_no") or "").strip()[:40]
    inspector.active = bool(data.get("active", True))
    inspector.save()
    _bump(region_code)
    record("inspector_save", inspector, actor=actor, before=before, after=snapshot(inspector))
    return inspector


@transaction.atomic
def add_conflict(inspector, *, enterprise, kind, note="", actor):
    _manager(actor)
    _in_county(actor, inspector.region_code)
    if kind not in ConflictKind.values:
        raise ServiceError("kind.unknown", "请选择回避类型。", field="kind")
    if enterprise is None:
        raise ServiceError("enterprise.required", "请选择回避的单位。", field="enterprise")
    if InspectorConflict.objects.filter(inspector=inspector, enterprise=enterprise, voided_at__isnull=True).exists():
        raise ServiceError("conflict.duplicate", "该回避关系已登记。", field="enterprise")
    conflict = InspectorConflict.objects.create(inspector=inspector, enterprise=enterprise, kind=kind,
                                                note=(note or "")[:300], region_code=inspector.region_code)
    _bump(inspector.region_code)
    record("inspector_conflict_add", conflict, actor=actor, after=snapshot(conflict))
    return conflict


@transaction.atomic
def void_conflict(conflict, *, reason, actor):
    from safegrid.core.services import void

    _manager(actor)
    void(conflict, reason, actor)
    _bump(conflict.region_code)
    return conflict
