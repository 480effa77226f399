"""Data retention (docs/operations.md, decision in docs/architecture.md): what `manage.py apply_retention`
deletes or anonymises, each rule with its own setting.

- Audit events older than SAFEGRID_AUDIT_RETENTION_DAYS (0 = keep for ever; never fewer than
  AUDIT_MINIMUM_DAYS, the six months of 等保 and the Cybersecurity Law art. 21) are written to a
  compressed archive file, then deleted. The trail stays append-only for everything else: on
  PostgreSQL the trigger refuses every UPDATE, and a DELETE unless the transaction set
  `safegrid.audit_purge` and the row is older than the floor (audit migration 0004).
- Reporter identities (PIPL): the encrypted identity of a tip whose case was closed more than
  SAFEGRID_TIP_IDENTITY_RETENTION_DAYS ago, and the payment details of a reward paid that long ago,
  are erased (the tip stays, marked anonymised in its timeline and the audit trail).
- Outside-channel deliveries (they hold phone numbers and webhook texts) sent or given up more than
  SAFEGRID_DELIVERY_RETENTION_DAYS ago; expired sessions.
"""

import gzip
import hashlib
import json
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from safegrid.audit.models import AuditEvent
from safegrid.audit.services import record

AUDIT_MINIMUM_DAYS = 183
BATCH = 5000


class RetentionError(Exception):
    pass


def audit_cutoff(now):
    days = settings.SAFEGRID_AUDIT_RETENTION_DAYS
    if not days:
        return None
    if days < AUDIT_MINIMUM_DAYS:
        raise RetentionError(f"SAFEGRID_AUDIT_RETENTION_DAYS={days}：审计日志至少保留 {AUDIT_MINIMUM_DAYS} 天(六个月)。")
    return now - timedelta(days=days)


def purge_audit(now=None, dry_run=False, archive_dir=None):
    """Archive, then delete the audit events older than the retention period. Returns (count, archive)."""
    now = now or timezone.now()
    cutoff = audit_cutoff(now)
    if cutoff is None:
        return 0, None
    expired = AuditEvent.objects.filter(created_at__lt=cutoff).order_by("id")
    count = expired.count()
    if dry_run or not count:
        return count, None
    archive = _archive(expired, Path(archive_dir or Path(settings.SAFEGRID_BACKUP_DIR) / "audit-archive"), cutoff)
    table = AuditEvent._meta.db_table
    last_id = expired.values_list("id", flat=True).last()
    deleted = 0
    while True:  # in batches, each its own short transaction
        with transaction.atomic(), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL safegrid.audit_purge = 'on'")
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE created_at < %s AND id <= %s "
                f"ORDER BY id LIMIT {BATCH})", [cutoff, last_id])
            if not cursor.rowcount:
                break
            deleted += cursor.rowcount
    record("audit_purge", None, object_type="audit.auditevent", region_code="",
           after={"deleted": deleted, "before": cutoff.isoformat(), "archive": archive["file"],
                  "archive_sha256": archive["sha256"]})
    return deleted, archive


def _archive(events, folder, cutoff):
    """Every expired event as one JSON line in a gzip file; its name and SHA-256 go into the purge event."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"audit-before-{timezone.localtime(cutoff):%Y%m%d}-{timezone.now():%Y%m%d%H%M%S}.jsonl.gz"
    fields = [f.attname for f in AuditEvent._meta.concrete_fields]
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for row in events.values(*fields).iterator(chunk_size=2000):
            out.write(json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False) + "\n")
    return {"file": str(path), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def expired_identities(now):
    """Tips whose identity may go: their case (the tip itself or the one it was merged into) is done and
    was closed before the cutoff, and no reward of the case is still to be paid."""
    from safegrid.tips.models import DONE_STATES, RewardState, Tip

    cutoff = now - timedelta(days=settings.SAFEGRID_TIP_IDENTITY_RETENTION_DAYS)
    done = Q(state__in=DONE_STATES, closed_at__lt=cutoff)
    cases = Tip.objects.filter(done).exclude(reward__state__in=[s for s in RewardState if s != RewardState.PAID])
    return Tip.objects.exclude(identity_token="").filter(Q(pk__in=cases.values("pk"))
                                                         | Q(merged_into__in=cases.values("pk")))


def expired_payments(now):
    from safegrid.tips.models import Reward, RewardState

    cutoff = now - timedelta(days=settings.SAFEGRID_TIP_IDENTITY_RETENTION_DAYS)
    return Reward.objects.exclude(payment_token="").filter(state=RewardState.PAID, paid_at__lt=cutoff)


def erase_identities(now=None, dry_run=False):
    """Erase expired reporter identities and payment details. Returns (tips, rewards)."""
    from safegrid.tips.models import TipEvent

    now = now or timezone.now()
    tips, rewards = expired_identities(now), expired_payments(now)
    if dry_run:
        return tips.count(), rewards.count()
    with transaction.atomic():
        ids = list(tips.select_for_update().values_list("pk", "public_id"))
        reward_ids = list(rewards.select_for_update().values_list("pk", flat=True))
        tips.model.objects.filter(pk__in=[pk for pk, _ in ids]).update(identity_token="")
        rewards.model.objects.filter(pk__in=reward_ids).update(payment_token="")
        TipEvent.objects.bulk_create([
            TipEvent(tip_id=pk, action="identity_erased", actor=None, actor_name="系统",
                     note=f"举报人身份信息已按保留期限({settings.SAFEGRID_TIP_IDENTITY_RETENTION_DAYS} 天)删除")
            for pk, _ in ids])
        if ids or reward_ids:
            record("tip_identity_erase", None, object_type="tips.tip", region_code="",
                   after={"tips": [public_id for _, public_id in ids], "rewards": reward_ids,
                          "days": settings.SAFEGRID_TIP_IDENTITY_RETENTION_DAYS})
    return len(ids), len(reward_ids)


def purge_deliveries(now=None, dry_run=False):
    from safegrid.notifications.models import Delivery, DeliveryStatus

    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.SAFEGRID_DELIVERY_RETENTION_DAYS)
    old = Delivery.objects.filter(Q(status=DeliveryStatus.SENT, sent_at__lt=cutoff)
                                  | Q(status=DeliveryStatus.GAVE_UP, created_at__lt=cutoff))
    if dry_run:
        return old.count()
    return old.delete()[0]


def purge_sessions(now=None, dry_run=False):
    expired = Session.objects.filter(expire_date__lt=now or timezone.now())
    return expired.count() if dry_run else expired.delete()[0]


def apply(now=None, dry_run=False):
    """Every rule; returns {rule: count}."""
    now = now or timezone.now()
    audit, _archive_info = purge_audit(now, dry_run)
    tips, rewards = erase_identities(now, dry_run)
    return {"audit_events": audit, "tip_identities": tips, "reward_payments": rewards,
            "deliveries": purge_deliveries(now, dry_run), "sessions": purge_sessions(now, dry_run)}
