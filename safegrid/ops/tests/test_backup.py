"""Backups: the demo county backed up and restored into a fresh database (PostgreSQL in the PostgreSQL
run, a new SQLite file in the SQLite run) serves the same hazards, tips and photos; keys; retention."""

import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from safegrid.ops import backup
from safegrid.ops.tests import served


def child_env(tmp_path, **extra):
    """The environment of a `manage.py` child process on another database and media folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "DJANGO_SETTINGS"))}
    env.pop("SAFEGRID_TESTING", None)
    env.update(SAFEGRID_DEBUG="1", SAFEGRID_MEDIA_ROOT=str(tmp_path / "restored-media"),
               DJANGO_SETTINGS_MODULE="safegrid.settings", **extra)
    return env


def manage(env, *args):
    return subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=600)


class FreshDatabase:
    """A new empty database of the engine under test: a `safegrid_ops_*` PostgreSQL database (dropped
    afterwards) or a new SQLite file."""

    def __init__(self, tmp_path):
        self.tmp_path = tmp_path
        self.pg = connection.vendor == "postgresql"
        if self.pg:
            self.name = f"safegrid_ops_restore_{uuid.uuid4().hex[:8]}"
            self._admin("CREATE DATABASE {}")
            db = connection.settings_dict
            self.env = {"DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
                                        f"/{self.name}"}
        else:
            self.env = {"SAFEGRID_SQLITE_PATH": str(tmp_path / "restored.sqlite3")}

    def _admin(self, sql):
        db = connection.settings_dict
        url = f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.format(self.name))

    def drop(self):
        if self.pg:
            self._admin("DROP DATABASE IF EXISTS {} WITH (FORCE)")


@pytest.fixture
def fresh_database(tmp_path):
    fresh = FreshDatabase(tmp_path)
    yield fresh
    fresh.drop()


def add_tip_with_photo():
    from safegrid.hazards.testing import jpeg
    from safegrid.registry.models import Enterprise
    from safegrid.tips import services

    place = Enterprise.objects.exclude(lon=None).exclude(grid=None).order_by("pk").first()
    data = {"description": "厂区后门堆放油漆桶，旁边有人吸烟", "lon": str(place.lon), "lat": str(place.lat),
            "anonymous": "0", "name": "欧阳举报人", "mobile": "13912345678"}
    return services.submit_tip(data, uploads=[jpeg("tip.jpg")], client_ip="10.0.0.1")


@pytest.mark.django_db(transaction=True)
def test_the_demo_county_restores_into_a_fresh_database_and_serves_the_same(tmp_path, fresh_database):
    call_command("build_demo", "--small", "--quiet", stdout=StringIO())
    add_tip_with_photo()
    before = served.figures()
    assert before["hazards"] > 20 and before["tips"] > 5 and len(before["photos"]) > 20
    assert any(url.startswith("/tips/photos/") for url in before["photos"])

    path, manifest = backup.take(tmp_path / "backups")
    assert manifest["counts"]["hazards.Hazard"] == before["hazards"]
    assert manifest["encrypted_rows"] >= 1 and manifest["keys"]["tip_keys"]
    assert settings.SAFEGRID_TIP_KEYS[0] not in (path / "manifest.json").read_text()

    env = child_env(tmp_path, **fresh_database.env)
    done = manage(env, "restore", str(path))
    assert done.returncode == 0, done.stderr + done.stdout
    assert "恢复完成" in done.stdout
    shown = subprocess.run([sys.executable, "-m", "safegrid.ops.tests.served"], cwd=settings.BASE_DIR, env=env,
                           capture_output=True, text=True, timeout=600)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout.strip().splitlines()[-1]) == before

    again = manage(env, "restore", str(path))  # the target is no longer empty
    assert again.returncode == 1 and "不是空的" in again.stderr


@pytest.mark.django_db(transaction=True)
def test_a_restore_without_the_identity_keys_says_so_and_changes_nothing(tmp_path, fresh_database):
    from cryptography.fernet import Fernet

    call_command("build_demo", "--small", "--quiet", stdout=StringIO())
    path, manifest = backup.take(tmp_path / "backups")
    assert manifest["encrypted_rows"] > 0
    env = child_env(tmp_path, SAFEGRID_TIP_KEYS=Fernet.generate_key().decode(), **fresh_database.env)
    done = manage(env, "restore", str(path))
    assert done.returncode == 1
    assert "SAFEGRID_TIP_KEYS" in done.stderr and manifest["keys"]["tip_keys"][0] in done.stderr
    assert "未做任何改动" in done.stderr
    assert not Path(tmp_path / "restored-media").exists()
    # The operator decides the identities are gone for good: restored, and the loss is reported.
    done = manage(env, "restore", str(path), "--without-tip-keys")
    assert done.returncode == 0, done.stderr
    assert f"{manifest['encrypted_rows']} 条举报人身份或收款信息无法" in done.stdout


@pytest.mark.django_db(transaction=True)
def test_a_damaged_backup_is_refused(tmp_path, fresh_database):
    call_command("build_demo", "--small", "--quiet", stdout=StringIO())
    path, _ = backup.take(tmp_path / "backups")
    photo = next((path / "media").rglob("*.jpg"))
    photo.write_bytes(photo.read_bytes()[:-10])
    done = manage(child_env(tmp_path, **fresh_database.env), "restore", str(path), "--verify-only")
    assert done.returncode == 1 and "校验和不符" in done.stderr


@pytest.mark.django_db
def test_media_unchanged_since_the_last_backup_is_hard_linked(tmp_path, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "hazards").mkdir(parents=True)
    (tmp_path / "media" / "hazards" / "a.jpg").write_bytes(b"photo a")
    first, m1 = backup.take(tmp_path / "b", now=timezone.now() - timedelta(hours=1))
    (tmp_path / "media" / "hazards" / "b.jpg").write_bytes(b"photo b")
    second, m2 = backup.take(tmp_path / "b")
    assert m1["media"]["copied_bytes"] == 7 and m2["media"]["copied_bytes"] == 7
    assert m2["media"]["linked_from_previous"] == 1 and m2["media"]["files"] == 2
    assert (first / "media/hazards/a.jpg").stat().st_ino == (second / "media/hazards/a.jpg").stat().st_ino
    backup.verify(backup.load(second))


def test_retention_keeps_the_newest_of_each_day_week_and_month(settings, tmp_path):
    start = timezone.make_aware(datetime(2026, 1, 1, 0, 30))
    found = [backup.Backup(tmp_path / str(i), start + timedelta(days=i), {}) for i in range(400)][::-1]
    kept = backup.to_keep(found, daily=7, weekly=4, monthly=3)
    days = sorted({(b.created_at - start).days for b in kept})
    newest = 399
    assert set(range(newest - 6, newest + 1)) <= set(days)  # the last 7 days
    assert len(days) <= 7 + 4 + 3 and found[0] in kept
    months = {timezone.localtime(b.created_at).strftime("%Y-%m") for b in kept}
    assert len(months) == 3  # this month and the two before it


@pytest.mark.django_db
def test_prune_deletes_what_retention_drops_but_keeps_the_last_day(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SAFEGRID_BACKUP_KEEP_DAILY, settings.SAFEGRID_BACKUP_KEEP_WEEKLY = 2, 0
    settings.SAFEGRID_BACKUP_KEEP_MONTHLY = 0
    now = timezone.make_aware(datetime(2026, 12, 10, 12, 0))
    for hours in (100, 75, 50, 3, 2):
        backup.take(tmp_path / "b", now=now - timedelta(hours=hours))
    leftover = tmp_path / "b" / "safegrid-20261201-003000.partial"  # an interrupted run
    leftover.mkdir()
    os.utime(leftover, (0, 0))
    deleted = backup.prune(tmp_path / "b", now=now)
    ages = sorted(round((now - b.created_at).total_seconds() / 3600) for b in backup.backups(tmp_path / "b"))
    # Both of the last 24 hours, and the newest of the one other day the daily rule keeps.
    assert ages == [2, 3, 50]
    assert len(deleted) == 3 and not leftover.exists()


@pytest.mark.django_db
def test_backup_command_records_its_run_and_export_keys_writes_them_apart(tmp_path, settings):
    settings.SAFEGRID_BACKUP_DIR = tmp_path / "b"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    out = StringIO()
    call_command("backup", stdout=out)
    from safegrid.ops.models import JobRun

    assert JobRun.objects.get(job="backup").successes == 1 and "备份完成" in out.getvalue()
    call_command("backup", "--dir", str(tmp_path / "usb"), stdout=StringIO())  # by hand elsewhere
    assert JobRun.objects.get(job="backup").successes == 1
    keys = tmp_path / "keys.env"
    call_command("export_keys", str(keys), stdout=StringIO())
    assert keys.stat().st_mode & 0o777 == 0o600
    assert f"SAFEGRID_TIP_KEYS={settings.SAFEGRID_TIP_KEYS[0]}" in keys.read_text()
    with pytest.raises(CommandError):
        call_command("export_keys", str(keys), stdout=StringIO())
