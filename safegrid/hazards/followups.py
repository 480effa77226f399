"""回头看: draw a reproducible random share of recently closed hazards for re-check."""

import datetime
import math
import random

from django.db import transaction

from safegrid.audit.services import record

from . import clock
from .models import FollowUp, FollowUpRun, Hazard, State


@transaction.atomic
def draw(*, share, days, seed=None, region_code="", today=None, actor_name="manage.py"):
    """Sample ⌈share × N⌉ of the hazards closed in the last `days` days not yet sampled.

    Candidates are sorted by id before sampling, so the same seed over the same population
    always draws the same hazards; the seed is stored on the run.
    """
    if not 0 < share <= 1:
        raise ValueError("share must be in (0, 1]")
    today = today or clock.today()
    seed = seed if seed is not None else random.SystemRandom().randrange(2**31)
    since = today - datetime.timedelta(days=days)
    qs = Hazard.objects.filter(state=State.CLOSED, closed_at__date__gte=since, closed_at__date__lte=today,
                               follow_up__isnull=True)
    if region_code:
        qs = qs.filter(region_code=region_code)
    population = sorted(qs.values_list("pk", flat=True))
    picked = sorted(random.Random(seed).sample(population, math.ceil(share * len(population)))) if population else []
    run = FollowUpRun.objects.create(region_code=region_code, seed=seed, share=share, days=days,
                                     population=len(population), drawn_by=actor_name)
    FollowUp.objects.bulk_create([FollowUp(run=run, hazard_id=pk) for pk in picked])
    record("hazard_followup_draw", run, actor=None, region_code=region_code,
           after={"seed": seed, "share": share, "days": days, "population": len(population), "picked": picked})
    return run, picked
