"""What a platform serves to its administrator: hazard and tip counts and the checksum of every photo and
signature through the pages that serve them. Used in-process and, for a restored copy, in a subprocess
(`python -m safegrid.ops.tests.served`, printing JSON)."""

import hashlib
import json


def figures():
    from django.test import Client

    from safegrid.accounts.models import User
    from safegrid.hazards.models import HazardPhoto
    from safegrid.inspections.models import FindingPhoto
    from safegrid.tips.models import TipPhoto

    client = Client()
    client.force_login(User.objects.filter(is_superuser=True).order_by("pk").first())

    def count(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return response.json()["count"]

    def digest(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        return hashlib.sha256(b"".join(response.streaming_content)).hexdigest()

    photos = {}
    for model, url in ((HazardPhoto, "/hazards/photos/{}/"), (TipPhoto, "/tips/photos/{}/"),
                       (FindingPhoto, "/inspections/photos/{}/")):
        for pk in model.objects.order_by("pk").values_list("pk", flat=True):
            photos[url.format(pk)] = digest(url.format(pk))
    return {"hazards": count("/api/v1/hazards/"), "tips": count("/api/v1/tips/"), "photos": photos}


if __name__ == "__main__":
    import django

    django.setup()
    print(json.dumps(figures()))
