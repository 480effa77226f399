import os

import pytest

os.environ.setdefault("SAFEGRID_TESTING", "1")


@pytest.fixture
def world(db):
    from safegrid.testing import World

    return World.build()


@pytest.fixture(scope="session", autouse=True)
def _media_in_a_temporary_folder(tmp_path_factory):
    """Uploads and generated photos of the tests never land in the developer's data/media."""
    from django.conf import settings

    settings.MEDIA_ROOT = str(tmp_path_factory.mktemp("media"))


@pytest.fixture(scope="session", autouse=True)
def _reseed_after_flush():
    """Transactional tests end with a flush that empties every table, seeded reference data
    included; Django sends post_migrate after that flush, so put the seeds back then."""
    from django.db.models.signals import post_migrate

    from safegrid.testing import reseed_if_flushed

    post_migrate.connect(reseed_if_flushed, dispatch_uid="safegrid-reseed")
    yield
    post_migrate.disconnect(dispatch_uid="safegrid-reseed")
