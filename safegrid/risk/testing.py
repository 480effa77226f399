"""Risk test helpers: an enterprise with its user, a small hierarchy, a second enterprise elsewhere."""

from safegrid.hazards.testing import enterprise
from safegrid.registry import testing as registry_testing

from . import services


def hierarchy(world, ent=None, lec=(6, 6, 7)):
    """Object > unit > event (assessed by LEC) > measure > task at `ent` (default: the user's enterprise)."""
    ent = ent or enterprise(world)
    user = world.enterprise_user
    obj = services.create_object(ent, {"name": "液氨储罐区"}, actor=user)
    unit = services.create_unit(obj, {"name": "1号液氨储罐", "department": "储运部", "liable_person": "王强"},
                                actor=user)
    event = services.create_event(unit, {"name": "液氨泄漏中毒", "method": "LEC", "L": lec[0], "E": lec[1], "C": lec[2]},
                                  actor=user)
    measure = services.create_measure(event, {"description": "储罐区设置氨气泄漏报警仪并定期校验",
                                              "check_content": "报警仪是否完好、在检定期内"}, actor=user)
    task = services.create_task(measure, {"cycle": 1, "cycle_unit": "day"}, actor=user)
    return {"enterprise": ent, "object": obj, "unit": unit, "event": event, "measure": measure, "task": task}


def other_enterprise(world):
    """An enterprise in 八字哨镇 (town B), not linked to any user."""
    return registry_testing.create(world, seed=7, name="八字哨建材厂", category="trade_building_materials",
                                   operating_region="430903101201", lon=112.405, lat=28.605, headcount=20)
