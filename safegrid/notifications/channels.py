"""Outside channels. Configured in settings.SAFEGRID_NOTIFICATION_CHANNELS, e.g.::

    SAFEGRID_NOTIFICATION_CHANNELS = {
        "dingtalk": {"backend": "safegrid.notifications.channels.DingTalkRobot", "webhook": "https://..."},
        "wecom": {"backend": "safegrid.notifications.channels.WeComRobot", "webhook": "https://..."},
        "sms": {"backend": "safegrid.notifications.channels.LoggingSMS"},
    }

A channel's `send(delivery)` raises on failure; the caller records it and retries later.
"""

import hashlib
import hmac
import json
import logging
import time
import urllib.parse
import urllib.request
from base64 import b64encode
from functools import lru_cache

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("safegrid.notifications")


class Channel:
    # Per-user channels (SMS) get one delivery per recipient; group robots one per message.
    per_user = False

    def __init__(self, name, **options):
        self.name = name
        self.options = options

    def send(self, delivery):
        raise NotImplementedError


class _Webhook(Channel):
    """A group robot: one POST of JSON to a webhook URL; a non-zero errcode is a failure."""

    def url(self):
        return self.options["webhook"]

    def payload(self, delivery):
        raise NotImplementedError

    def send(self, delivery):
        body = json.dumps(self.payload(delivery)).encode()
        request = urllib.request.Request(self.url(), data=body, headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=self.options.get("timeout", 5)) as response:
            answer = json.loads(response.read() or b"{}")
        if answer.get("errcode", 0) != 0:
            raise RuntimeError(f"{self.name}: errcode {answer.get('errcode')} {answer.get('errmsg', '')}")


class DingTalkRobot(_Webhook):
    def url(self):
        secret = self.options.get("secret")
        if not secret:
            return self.options["webhook"]
        # DingTalk's signed robots: HMAC-SHA256 of "timestamp\nsecret".
        stamp = str(round(time.time() * 1000))
        digest = hmac.new(secret.encode(), f"{stamp}\n{secret}".encode(), hashlib.sha256).digest()
        sign = urllib.parse.quote_plus(b64encode(digest))
        return f"{self.options['webhook']}&timestamp={stamp}&sign={sign}"

    def payload(self, delivery):
        return {"msgtype": "markdown", "markdown": {"title": delivery.title,
                                                   "text": f"### {delivery.title}\n\n{delivery.body}"}}


class WeComRobot(_Webhook):
    def payload(self, delivery):
        return {"msgtype": "markdown", "markdown": {"content": f"**{delivery.title}**\n{delivery.body}"}}


class LoggingSMS(Channel):
    """The SMS interface with a backend that only logs (replace with a provider's adapter)."""

    per_user = True

    def send(self, delivery):
        if not delivery.recipient:
            raise ValueError("短信缺少手机号")
        logger.info("SMS to %s: %s %s", delivery.recipient, delivery.title, delivery.body[:200])


@lru_cache(maxsize=1)
def _configured(config_key):
    channels = {}
    for name, options in dict(getattr(settings, "SAFEGRID_NOTIFICATION_CHANNELS", {}) or {}).items():
        options = dict(options)
        backend = import_string(options.pop("backend"))
        channels[name] = backend(name, **options)
    return channels


def configured():
    """Channel instances by name; re-read when the settings object changes (tests override it)."""
    config = getattr(settings, "SAFEGRID_NOTIFICATION_CHANNELS", {}) or {}
    return _configured(json.dumps(config, sort_keys=True, default=str))


def get(name):
    return configured().get(name)
