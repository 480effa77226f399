"""Sending notifications. A failing channel never blocks or undoes the business change:
messages are written with the change, and outside channels are tried after commit, each
attempt recorded; `manage.py send_notifications` retries failures with backoff."""

import contextlib
import datetime
import logging

from django.db import transaction
from django.utils import timezone

from . import channels
from .models import Delivery, DeliveryStatus, Notification

logger = logging.getLogger("safegrid.notifications")
MAX_ATTEMPTS = 6
# Minutes to wait after the n-th failed attempt.
BACKOFF_MINUTES = [1, 5, 15, 60, 240, 720]


def notify(users, title, body="", link=""):
    """Inbox rows for `users` now; outside deliveries scheduled for after the commit."""
    users = [u for u in dict.fromkeys(users) if u is not None and u.is_active]
    rows = Notification.objects.bulk_create(
        [Notification(user=u, title=title[:200], body=body, link=link[:300]) for u in users])
    deliveries = _deliveries(users, rows, title, body)
    if deliveries:
        ids = [d.pk for d in Delivery.objects.bulk_create(deliveries)]
        transaction.on_commit(lambda: deliver_many(ids))
    return rows


@contextlib.contextmanager
def quietly(log, what):
    """A savepoint for notices written inside the caller's transaction: any failure in the block is
    logged and rolled back alone, so a failing notice never undoes the business change."""
    try:
        with transaction.atomic():
            yield
    except Exception:  # noqa: BLE001 (a notice must never fail the change it reports)
        log.exception("%s failed", what)


def _deliveries(users, rows, title, body):
    out = []
    for name, channel in channels.configured().items():
        if channel.per_user:
            out += [Delivery(channel=name, notification=row, recipient=u.mobile, title=title[:200], body=body)
                    for u, row in zip(users, rows, strict=True) if u.mobile]
        elif users:
            # Group robots post once per message, not once per user.
            out.append(Delivery(channel=name, title=title[:200], body=body))
    return out


def deliver_many(ids):
    for delivery in Delivery.objects.filter(pk__in=ids):
        deliver(delivery)


def deliver(delivery, now=None):
    """One attempt. Never raises: the outcome is recorded on the row."""
    now = now or timezone.now()
    channel = channels.get(delivery.channel)
    delivery.attempts += 1
    try:
        if channel is None:
            raise LookupError(f"渠道 {delivery.channel} 未配置")
        channel.send(delivery)
    except Exception as exc:  # noqa: BLE001 (any channel failure is recorded, never raised)
        logger.warning("delivery %s via %s failed: %s", delivery.pk, delivery.channel, exc)
        delivery.last_error = f"{type(exc).__name__}: {exc}"[:500]
        if delivery.attempts >= MAX_ATTEMPTS:
            delivery.status, delivery.next_try_at = DeliveryStatus.GAVE_UP, None
        else:
            wait = BACKOFF_MINUTES[min(delivery.attempts, len(BACKOFF_MINUTES)) - 1]
            delivery.status, delivery.next_try_at = DeliveryStatus.FAILED, now + datetime.timedelta(minutes=wait)
    else:
        delivery.status, delivery.sent_at, delivery.next_try_at = DeliveryStatus.SENT, now, None
    Delivery.objects.filter(pk=delivery.pk).update(
        status=delivery.status, attempts=delivery.attempts, last_error=delivery.last_error,
        next_try_at=delivery.next_try_at, sent_at=delivery.sent_at)
    return delivery


def retry_due(now=None):
    """Try again every pending or failed delivery whose time has come. Returns counts."""
    now = now or timezone.now()
    due = Delivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED]).exclude(
        next_try_at__gt=now)
    counts = {status: 0 for status in (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP)}
    for delivery in due.order_by("id"):
        counts[deliver(delivery, now).status] += 1
    return counts


def mark_read(user, ids=None):
    """Mark the user's messages read (all unread ones when `ids` is None); returns how many."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
