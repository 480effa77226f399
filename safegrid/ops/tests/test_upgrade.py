"""Upgrades: a database built and filled by the previous release's own code (git archive of its
commit) is migrated by today's code; the data is all there and served the same."""

import json
import os
import subprocess
import sys
import tarfile

import pytest
from django.conf import settings
from django.db.migrations.loader import MigrationLoader

from safegrid.ops import releases
from safegrid.ops.tests.test_backup import FreshDatabase

# What the platform serves (ops/tests/served.py, run as a script by either code) and row counts.
SERVED = (settings.BASE_DIR / "safegrid/ops/tests/served.py").read_text()
COUNTS = """
import django, json
django.setup()
from django.apps import apps
labels = ("registry.Enterprise", "hazards.Hazard", "hazards.HazardEvent", "hazards.HazardPhoto", "tips.Tip",
          "inspections.Inspection", "risk.EnterpriseGrade", "audit.AuditEvent", "accounts.User", "regions.Grid")
print(json.dumps({label: apps.get_model(label).objects.count() for label in labels}))
"""
APPLIED = """
import django, json
django.setup()
from django.db.migrations.recorder import MigrationRecorder
last = {}
for app, name in MigrationRecorder.Migration.objects.values_list("app", "name"):
    last[app] = max(last.get(app, ""), name)
print(json.dumps(last))
"""


def test_every_recorded_release_stands_on_migrations_that_still_exist():
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    for version, release in releases.RELEASES.items():
        for app, name in release["migrations"].items():
            assert (app, name) in graph.nodes, f"release {version} needs {app}.{name}"


@pytest.fixture
def old_code(tmp_path):
    """The previous release's code, unpacked from git."""
    version, release = releases.previous()
    archive = tmp_path / "old.tar"
    done = subprocess.run(["git", "archive", "--format=tar", f"--output={archive}", release["commit"]],
                          cwd=settings.BASE_DIR, capture_output=True, text=True)
    assert done.returncode == 0, f"release {version} ({release['commit']}) is not in this clone: {done.stderr}"
    folder = tmp_path / f"safegrid-{version}"
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder


def last_json(output):
    return json.loads(output.strip().splitlines()[-1])


def test_a_database_of_the_previous_release_upgrades_with_its_data(tmp_path, old_code):
    version, release = releases.previous()
    fresh = FreshDatabase(tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.pop("SAFEGRID_TESTING", None)
    env.update(SAFEGRID_DEBUG="1", SAFEGRID_MEDIA_ROOT=str(tmp_path / "media"), SAFEGRID_DATA_DIR=str(tmp_path),
               DJANGO_SETTINGS_MODULE="safegrid.settings", **fresh.env)

    def run(cwd, *args):
        done = subprocess.run([sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900)
        assert done.returncode == 0, f"{args}: {done.stderr[-3000:]}"
        return done.stdout

    try:
        run(old_code, "manage.py", "migrate", "--noinput", "-v", "0")
        run(old_code, "manage.py", "build_demo", "--small", "--quiet")
        before = [last_json(run(old_code, "-c", script)) for script in (SERVED, COUNTS)]
        assert before[0]["hazards"] > 20 and before[0]["tips"] > 5 and before[0]["photos"]
        applied = last_json(run(old_code, "-c", APPLIED))
        assert {app: applied[app] for app in release["migrations"]} == release["migrations"]

        upgrade = run(settings.BASE_DIR, "manage.py", "migrate", "--noinput")
        assert "Applying ops.0001_initial" in upgrade
        run(settings.BASE_DIR, "manage.py", "migrate", "--check")  # nothing left to apply
        after = [last_json(run(settings.BASE_DIR, "-c", script)) for script in (SERVED, COUNTS)]
        assert after == before
    finally:
        fresh.drop()




def test_every_migration_of_the_platform_has_a_row_in_the_operations_guide():
    """docs/operations.md › Migrations says for each one whether it needs a maintenance window."""
    guide = (settings.BASE_DIR / "docs/operations.md").read_text()
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    missing = sorted(f"{app}.{name}" for app, name in graph.nodes
                     if f"safegrid.{app}" in settings.INSTALLED_APPS and f"`{app}.{name[:4]}`" not in guide)
    assert not missing, f"add these to docs/operations.md › Migrations: {missing}"
