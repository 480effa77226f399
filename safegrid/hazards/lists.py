"""The hazards list of the five lists (五个清单): one entry point for /registry/lists/."""

from .filters import HazardFilter
from .models import Hazard


def hazard_list_queryset(user, params):
    """Hazards the user may see, filtered by the same HazardFilter as the API and the ledger export."""
    base = Hazard.objects.restrict(user, "view").select_related("enterprise", "hazard_type", "town", "grid")
    return HazardFilter(params, queryset=base).qs
