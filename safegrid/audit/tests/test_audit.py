import subprocess
import sys

import pytest
from django.db import DatabaseError, connection, transaction
from rest_framework.test import APIClient

from safegrid.audit.models import AppendOnlyError, AuditEvent
from safegrid.core.errors import Conflict, ServiceError
from safegrid.core.services import void
from safegrid.regions.models import Grid


def test_orm_refuses_update_and_delete(world):
    event = AuditEvent.objects.first()
    event.action = "tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    with pytest.raises(AppendOnlyError):
        event.delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()


def test_database_trigger_refuses_update(world):
    with pytest.raises(DatabaseError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditevent SET action = 'tampered'")
    assert not AuditEvent.objects.filter(action="tampered").exists()


class TestVoid:
    def test_void_keeps_row_and_audits(self, world):
        void(world.grid_a2, "与第一网格合并", world.county_user)
        grid = Grid.objects.get(pk=world.grid_a2.pk)
        assert grid.is_voided and grid.void_reason == "与第一网格合并"
        event = AuditEvent.objects.get(action="void", object_id=str(grid.pk))
        assert event.reason == "与第一网格合并"
        assert event.before["voided_at"] is None

    def test_void_event_records_only_the_void(self, world):
        from safegrid.registry.testing import create

        enterprise = create(world)
        void(enterprise, "重复登记", world.county_user)
        event = AuditEvent.objects.get(action="void", object_id=str(enterprise.pk))
        assert set(event.before) == set(event.after) == {"voided_at", "voided_by", "void_reason"}
        assert event.after["void_reason"] == "重复登记"
        assert "13807371234" not in str(event.before) + str(event.after)  # no mobile numbers

    def test_void_needs_reason(self, world):
        with pytest.raises(ServiceError) as exc:
            void(world.grid_a2, "  ", world.county_user)
        assert exc.value.field == "reason"
        assert not Grid.objects.get(pk=world.grid_a2.pk).is_voided

    def test_void_twice_conflicts(self, world):
        void(world.grid_a2, "合并", world.county_user)
        stale = Grid.objects.get(pk=world.grid_a2.pk)
        stale.voided_at = None  # a second user's stale copy
        with pytest.raises(Conflict):
            void(stale, "再次", world.admin)
        assert AuditEvent.objects.filter(action="void").count() == 1

    def test_voided_grid_leaves_lists(self, world):
        void(world.grid_a2, "合并", world.county_user)
        client = APIClient()
        client.force_authenticate(world.county_user)
        codes = {g["code"] for g in client.get("/api/v1/grids/").json()["results"]}
        assert "HLS-02" not in codes


class TestAuditApi:
    def url(self):
        return "/api/v1/audit-events/"

    def client(self, user=None):
        client = APIClient()
        if user:
            client.force_authenticate(user)
        return client

    def test_matrix(self, world):
        assert self.client(world.county_user).get(self.url()).status_code == 200
        assert self.client(world.town_user).get(self.url()).status_code == 403
        assert self.client().get(self.url()).status_code == 401

    def test_county_sees_own_county_only(self, world):
        rows = self.client(world.county_user).get(self.url(), {"page_size": 500}).json()["results"]
        assert rows and {r["region_code"] for r in rows} == {"430903"}
        other = self.client(world.other_county_user).get(self.url(), {"page_size": 500}).json()["results"]
        assert {r["region_code"] for r in other} == {"430902"}
        event = AuditEvent.objects.filter(region_code="430902").first()
        assert self.client(world.county_user).get(f"{self.url()}{event.pk}/").status_code == 404

    def test_filters(self, world):
        client = self.client(world.admin)
        rows = client.get(self.url(), {"object_type": "regions.grid", "object_id": world.grid_a1.pk}).json()
        assert [r["action"] for r in rows["results"]] == ["grid_create"]
        assert rows["results"][0]["after"]["code"] == "HLS-01"
        actions = client.get(self.url(), {"action": "user_create"}).json()
        assert actions["count"] == 9
        assert client.get(self.url(), {"since": "2999-01-01T00:00:00Z"}).json()["count"] == 0
        assert client.get(self.url(), {"since": "bad"}).status_code == 400


def test_production_mode_without_secret_fails_clearly(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "SAFEGRID_DATA_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='safegrid.settings'; django.setup()"],
        env=env, capture_output=True, text=True, cwd=str(__import__("pathlib").Path(__file__).parents[3]),
    )
    assert result.returncode != 0
    assert "SAFEGRID_SECRET_KEY is not set" in result.stderr


def test_apps_contribute_action_labels():
    from safegrid.audit.views import action_label

    assert action_label("enterprise_create") == "登记单位"
    assert action_label("grid_create") == "新建网格"
    assert action_label("no_such_action") == "no_such_action"


def test_hazard_transitions_have_labels():
    from safegrid.audit.views import action_label

    assert action_label("hazard_accept") == "验收销号"
    assert action_label("holiday_set") == "设置节假日/调休"
