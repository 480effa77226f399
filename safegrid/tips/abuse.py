"""Abuse control that needs no internet: fixed-window rate limits in Django's cache and a
signed, single-use arithmetic question in Chinese.

With several gunicorn workers the cache must be shared (Redis via SAFEGRID_REDIS_URL, or the
database cache): a local-memory cache counts per worker and lets N times the limit through.
"""

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.core import signing
from django.core.cache import cache

from safegrid.core.errors import ServiceError

DIGITS = "零一二三四五六七八九十"
CHALLENGE_SALT = "safegrid.tips.challenge"
CHALLENGE_MAX_AGE = 30 * 60


class RateLimited(ServiceError):
    status = 429

    def __init__(self, message="提交过于频繁，请稍后再试。"):
        super().__init__("rate_limited", message)


def _limit(name):
    """(count, seconds) of a configured limit."""
    return settings.SAFEGRID_TIP_RATE_LIMITS[name]


def hit(name, key):
    """Count one event for `key` under limit `name`; RateLimited once the window is full."""
    count, seconds = _limit(name)
    window = int(time.time() // seconds)
    digest = hashlib.sha256(str(key).encode()).hexdigest()[:32]  # no raw IP or mobile in the cache
    cache_key = f"tips:rl:{name}:{digest}:{window}"
    cache.add(cache_key, 0, seconds + 5)
    try:
        used = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr
        cache.set(cache_key, 1, seconds + 5)
        used = 1
    if used > count:
        raise RateLimited()


def exempt(ip):
    return ip in settings.SAFEGRID_TIP_RATE_EXEMPT_IPS


def check_submission(ip, mobile=""):
    if exempt(ip):
        return
    hit("submit_ip", ip)
    if mobile:
        hit("submit_mobile", mobile)


# --- challenge -------------------------------------------------------------------------------


def _number(n):
    if n <= 10:
        return DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else DIGITS[tens]) + "十" + (DIGITS[ones] if ones else "")


def _answer_mac(nonce, answer):
    key = (settings.SECRET_KEY + "|" + CHALLENGE_SALT).encode()
    return hmac.new(key, f"{nonce}:{answer}".encode(), hashlib.sha256).hexdigest()[:32]


def new_challenge():
    """(question, token). The token carries only a MAC of the answer, never the answer."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    if secrets.randbelow(2) and a != b:
        a, b = max(a, b), min(a, b)
        question, answer = f"{_number(a)}减{_number(b)}等于几？", a - b
    else:
        question, answer = f"{_number(a)}加{_number(b)}等于几？", a + b
    nonce = secrets.token_urlsafe(12)
    token = signing.dumps({"n": nonce, "m": _answer_mac(nonce, answer)}, salt=CHALLENGE_SALT)
    return question, token


def check_challenge(token, answer):
    """Valid signature, not expired, right answer, not used before. Raises ServiceError."""
    wrong = ServiceError("challenge.wrong", "验证题答案不正确，请重新作答。", field="challenge_answer")
    try:
        payload = signing.loads(token or "", salt=CHALLENGE_SALT, max_age=CHALLENGE_MAX_AGE)
    except signing.SignatureExpired as exc:
        raise ServiceError("challenge.expired", "验证题已过期，请刷新页面后重新作答。",
                           field="challenge_answer") from exc
    except signing.BadSignature as exc:
        raise wrong from exc
    given = "".join(ch for ch in str(answer or "") if ch.isdigit() or ch == "-")[:4]
    if not hmac.compare_digest(_answer_mac(payload["n"], given), payload["m"]):
        raise wrong
    # Single use: the first request that claims the nonce wins.
    if not cache.add(f"tips:challenge:{payload['n']}", 1, CHALLENGE_MAX_AGE + 60):
        raise ServiceError("challenge.used", "验证题已使用，请重新作答。", field="challenge_answer")
