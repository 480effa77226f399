import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safegrid.audit.models import AuditEvent
from safegrid.core.errors import ServiceError
from safegrid.inspections import directory, draw
from safegrid.inspections import testing as t
from safegrid.inspections.models import Inspection, InspectionMember, RandomDraw
from safegrid.registry import testing as registry_testing

APRIL = (datetime.date(2026, 4, 1), datetime.date(2026, 4, 30))


@st.composite
def directories(draw_):
    n_entities = draw_(st.integers(1, 40))
    n_inspectors = draw_(st.integers(2, 12))
    entities = list(range(1, n_entities + 1))
    inspectors = list(range(100, 100 + n_inspectors))
    keys = ["a:red", "a:blue", "b:yellow"]
    classes = {}
    for pk in entities:
        classes.setdefault(keys[draw_(st.integers(0, 2))], []).append(pk)
    conflicts = {}
    for pk in entities:
        banned = draw_(st.sets(st.sampled_from(inspectors), max_size=max(0, n_inspectors - 2)))
        if banned:
            conflicts[pk] = banned
    ratios = {"*:red": draw_(st.floats(0, 1)), "*": draw_(st.floats(0, 1))}
    seed = draw_(st.text(min_size=1, max_size=20))
    return classes, ratios, inspectors, conflicts, seed


@settings(max_examples=200, deadline=None)
@given(directories())
def test_a_conflicted_inspector_is_never_drawn_and_the_same_seed_gives_the_same_draw(case):
    classes, ratios, inspectors, conflicts, seed = case
    first = draw.draw_teams(classes, ratios, inspectors, conflicts, 2, seed)
    assert first == draw.draw_teams(classes, ratios, inspectors, conflicts, 2, seed)
    for enterprise_id, key, team in first:
        assert len(team) == 2 and len(set(team)) == 2
        assert not set(team) & set(conflicts.get(enterprise_id, ()))
        assert enterprise_id in classes[key]
    for key, ids in classes.items():
        drawn = [e for e, k, _ in first if k == key]
        assert len(drawn) == len(set(drawn)) <= len(ids)


@settings(max_examples=100, deadline=None)
@given(st.integers(1, 60), st.integers(2, 15), st.text(min_size=1, max_size=8))
def test_without_conflicts_the_load_is_balanced(n_entities, n_inspectors, seed):
    classes = {"a:blue": list(range(n_entities))}
    teams = draw.draw_teams(classes, {"*": 1}, list(range(n_inspectors)), {}, 2, seed)
    loads = [sum(pk in team for _e, _k, team in teams) for pk in range(n_inspectors)]
    assert max(loads) - min(loads) <= 1


def test_ratio_per_class_rounds_up():
    classes = {"a:red": list(range(10)), "a:blue": list(range(10, 30)), "b:blue": list(range(30, 31))}
    picked = draw.draw_teams(classes, {"*:red": 0.3, "*:blue": 0.05, "b:*": 0}, list(range(5)), {}, 2, "s")
    counts = {}
    for _e, key, _t in picked:
        counts[key] = counts.get(key, 0) + 1
    assert counts == {"a:red": 3, "a:blue": 1}


def _more_enterprises(world, n=6):
    return [registry_testing.create(world, seed=10 + i, name=f"赫山区第{i}化工厂", headcount=10)
            for i in range(n)]


def test_draw_records_seed_and_versions_and_replays(world):
    t.setup(world)
    _more_enterprises(world)
    created = draw.create_draw(actor=world.county_user, region_code="430903", name="二季度", ratios={"*": 1},
                               scheduled_from=APRIL[0], scheduled_to=APRIL[1])
    assert len(created.seed) == 32 and created.entity_version["count"] == 7
    assert created.inspector_version["count"] == 3
    assert created.inspections.count() == 7
    assert InspectionMember.objects.filter(inspection__draw=created).count() == 14
    check = draw.replay(created)
    assert check["versions_match"] and check["same_result"]
    assert AuditEvent.objects.filter(action="draw_create", object_id=str(created.pk)).exists()
    # A new conflict changes the inspector directory's version: the replay says so.
    directory.add_conflict(world.inspectors[2], enterprise=world.ent, kind="relative", actor=world.county_user)
    assert not draw.replay(created)["versions_match"]


def test_conflicted_inspector_is_excluded_in_the_service(world):
    t.setup(world)
    directory.add_conflict(world.inspectors[0], enterprise=world.ent, kind="former_employer", actor=world.county_user)
    created = draw.create_draw(actor=world.county_user, region_code="430903", name="x", ratios={"*": 1},
                               scheduled_from=APRIL[0], scheduled_to=APRIL[1])
    team = set(created.inspections.get().members.values_list("inspector_id", flat=True))
    assert team == {world.inspectors[1].pk, world.inspectors[2].pk}


def test_too_few_eligible_inspectors_draws_nothing(world):
    t.setup(world)
    directory.add_conflict(world.inspectors[0], enterprise=world.ent, kind="own", actor=world.county_user)
    directory.add_conflict(world.inspectors[1], enterprise=world.ent, kind="relative", actor=world.county_user)
    with pytest.raises(ServiceError) as exc:
        draw.create_draw(actor=world.county_user, region_code="430903", name="x", ratios={"*": 1},
                         scheduled_from=APRIL[0], scheduled_to=APRIL[1])
    assert exc.value.code == "draw.too_few_inspectors" and "未抽取任何单位" in exc.value.message
    assert not RandomDraw.objects.exists() and not Inspection.objects.exists()


def test_team_of_one_is_refused(world):
    t.setup(world)
    with pytest.raises(ServiceError) as exc:
        draw.create_draw(actor=world.county_user, region_code="430903", name="x", ratios={"*": 1}, team_size=1,
                         scheduled_from=APRIL[0], scheduled_to=APRIL[1])
    assert exc.value.code == "team_size.min"


def test_draw_permissions(world):
    t.setup(world)
    for user in (world.town_user, world.officer_user, world.leader, world.enterprise_user):
        with pytest.raises(ServiceError) as exc:
            draw.create_draw(actor=user, region_code="430903", name="x", ratios={"*": 1},
                             scheduled_from=APRIL[0], scheduled_to=APRIL[1])
        assert exc.value.status == 403
    with pytest.raises(ServiceError) as exc:
        draw.create_draw(actor=world.other_county_user, region_code="430903", name="x", ratios={"*": 1},
                         scheduled_from=APRIL[0], scheduled_to=APRIL[1])
    assert exc.value.code == "region_code.out_of_scope"
    # A department draws its own categories with its own staff and the shared experts.
    created = draw.create_draw(actor=world.dept_user, region_code="430903", name="x", ratios={"*": 1},
                               scheduled_from=APRIL[0], scheduled_to=APRIL[1])
    assert created.department == world.department
