from django.conf import settings

from safegrid.hazards.followups import draw
from safegrid.ops.periodic import PeriodicCommand


class Command(PeriodicCommand):
    help = "Draw a random share of hazards closed in the last N days for re-check (回头看); prints the seed."

    def job_name(self, options):
        return None if options.get("seed") is not None else "sample_followups"  # a repeated draw is not the job

    def add_arguments(self, parser):
        parser.add_argument("--share", type=float, default=getattr(settings, "SAFEGRID_FOLLOWUP_SHARE", 0.1))
        parser.add_argument("--days", type=int, default=getattr(settings, "SAFEGRID_FOLLOWUP_DAYS", 30))
        parser.add_argument("--seed", type=int, default=None, help="repeat an earlier draw")
        parser.add_argument("--region-code", default="")

    def handle(self, *args, share, days, seed, region_code, **options):
        run, picked = draw(share=share, days=days, seed=seed, region_code=region_code)
        self.stdout.write(f"run {run.pk}: seed {run.seed}, {len(picked)} of {run.population} hazards drawn")
