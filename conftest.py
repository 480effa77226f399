import os

import pytest

os.environ.setdefault("SAFEGRID_TESTING", "1")


@pytest.fixture
def world(db):
    from safegrid.testing import World

    return World.build()
