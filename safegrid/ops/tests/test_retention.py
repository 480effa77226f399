"""Data retention: audit events archived then deleted after their period (never under six months, and
the trail stays append-only otherwise), reporter identities erased after the case's period."""

import gzip
import json
from datetime import timedelta
from decimal import Decimal
from io import StringIO
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from safegrid.audit.models import AuditEvent
from safegrid.audit.services import record
from safegrid.ops import retention
from safegrid.ops.models import JobRun
from safegrid.tips import testing as tt
from safegrid.tips.models import Reward, RewardState, State, Tip


@pytest.fixture(autouse=True)
def _no_rate_limits_left_over():
    from django.core.cache import cache

    cache.clear()  # the per-mobile submission limit counts across tests


def event_at(when, action="login"):
    with mock.patch("django.utils.timezone.now", return_value=when):
        return record(action, None, object_type="accounts.user", object_id="1", region_code="430903")


@pytest.mark.django_db
def test_expired_audit_events_are_archived_then_deleted(settings, tmp_path):
    now = timezone.now()
    old, recent = event_at(now - timedelta(days=400)), event_at(now - timedelta(days=100))
    settings.SAFEGRID_AUDIT_RETENTION_DAYS = 365
    assert retention.purge_audit(now, dry_run=True) == (1, None)
    deleted, archive = retention.purge_audit(now, archive_dir=tmp_path)
    assert deleted == 1
    assert not AuditEvent.objects.filter(pk=old.pk).exists() and AuditEvent.objects.filter(pk=recent.pk).exists()
    with gzip.open(archive["file"], "rt", encoding="utf-8") as f:
        rows = [json.loads(line) for line in f]
    assert [r["id"] for r in rows] == [old.pk] and rows[0]["action"] == "login"
    purge = AuditEvent.objects.get(action="audit_purge")
    assert purge.after["deleted"] == 1 and purge.after["archive_sha256"] == archive["sha256"]


@pytest.mark.django_db
def test_audit_retention_is_never_shorter_than_six_months_and_off_by_default(settings):
    event_at(timezone.now() - timedelta(days=4000))
    assert retention.purge_audit() == (0, None)  # 0 = keep for ever
    settings.SAFEGRID_AUDIT_RETENTION_DAYS = 90
    with pytest.raises(retention.RetentionError, match="至少保留 183 天"):
        retention.purge_audit()
    with pytest.raises(CommandError):
        call_command("apply_retention", stdout=StringIO())
    assert AuditEvent.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_database_still_refuses_every_other_change_to_the_trail():
    if connection.vendor != "postgresql":
        pytest.skip("the DELETE guard is a PostgreSQL trigger")
    now = timezone.now()
    old, recent = event_at(now - timedelta(days=400)), event_at(now - timedelta(days=100))
    table = AuditEvent._meta.db_table

    def refused(sql, params, purge=False):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
            if purge:
                c.execute("SET LOCAL safegrid.audit_purge = 'on'")
            c.execute(sql, params)

    refused(f"DELETE FROM {table} WHERE id = %s", [old.pk])  # old enough, but not through the purge
    refused(f"DELETE FROM {table} WHERE id = %s", [recent.pk], purge=True)  # the purge, but too recent
    refused(f"UPDATE {table} SET reason = 'x' WHERE id = %s", [old.pk], purge=True)
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SET LOCAL safegrid.audit_purge = 'on'")
        c.execute(f"DELETE FROM {table} WHERE id = %s", [old.pk])
    assert list(AuditEvent.objects.values_list("pk", flat=True)) == [recent.pk]


def closed_tip(world, days_ago, **extra):
    tip = tt.submit(**tt.named(**extra)).tip
    Tip.objects.filter(pk=tip.pk).update(state=State.CLOSED, closed_at=timezone.now() - timedelta(days=days_ago))
    return Tip.objects.get(pk=tip.pk)


@pytest.mark.django_db
def test_reporter_identities_are_erased_after_the_case_period(world, settings):
    settings.SAFEGRID_TIP_IDENTITY_RETENTION_DAYS = 730
    expired = closed_tip(world, 800)
    recent = closed_tip(world, 100, description="另一处：仓库消防通道被货物堵死，已持续一周")
    open_tip = tt.submit(**tt.named(description="第三处：夜间违规动火作业，无人监护")).tip
    merged = tt.submit(**tt.named(description="第四处：同一加油站液化气钢瓶，补充照片")).tip
    Tip.objects.filter(pk=merged.pk).update(state=State.MERGED, merged_into=expired)
    unpaid = closed_tip(world, 900, description="第五处：危化品仓库无人值守，门锁损坏")
    Reward.objects.create(tip=unpaid, fine=Decimal("50000"), amount=Decimal("7500"), state=RewardState.APPROVED,
                          region_code="430903")
    assert retention.erase_identities(dry_run=True) == (2, 0)
    assert retention.erase_identities() == (2, 0)
    tokens = dict(Tip.objects.values_list("pk", "identity_token"))
    assert tokens[expired.pk] == "" and tokens[merged.pk] == ""
    assert all(tokens[t.pk] for t in (recent, open_tip, unpaid))
    assert expired.events.filter(action="identity_erased").exists()
    event = AuditEvent.objects.get(action="tip_identity_erase")
    assert sorted(event.after["tips"]) == sorted([expired.public_id, merged.public_id])
    assert tt.SECRET_NAME not in json.dumps(event.after, ensure_ascii=False)
    assert retention.erase_identities() == (0, 0)  # idempotent


@pytest.mark.django_db
def test_paid_reward_details_go_after_the_period(world, settings):
    tip = closed_tip(world, 10)
    reward = Reward.objects.create(tip=tip, fine=Decimal("50000"), amount=Decimal("7500"), state=RewardState.PAID,
                                   payment_token="token", paid_at=timezone.now() - timedelta(days=800),
                                   region_code="430903")
    assert retention.erase_identities() == (0, 1)
    reward.refresh_from_db()
    assert reward.payment_token == "" and Tip.objects.get(pk=tip.pk).identity_token  # the case closed lately


@pytest.mark.django_db
def test_old_deliveries_and_sessions_go_and_the_command_records_its_run(settings):
    from safegrid.notifications.models import Delivery, DeliveryStatus

    now = timezone.now()
    old = Delivery.objects.create(channel="sms", recipient="13800000000", title="督办", status=DeliveryStatus.SENT,
                                  sent_at=now - timedelta(days=200))
    pending = Delivery.objects.create(channel="sms", recipient="13800000001", title="督办")
    out = StringIO()
    call_command("apply_retention", "--dry-run", stdout=out)
    assert "外部推送记录 1" in out.getvalue() and Delivery.objects.filter(pk=old.pk).exists()
    assert not JobRun.objects.exists()
    call_command("apply_retention", stdout=StringIO())
    assert list(Delivery.objects.values_list("pk", flat=True)) == [pending.pk]
    assert JobRun.objects.get(job="apply_retention").successes == 1
