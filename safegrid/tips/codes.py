"""Tracking codes (查询码) and public ids.

A tracking code is 16 Crockford base32 characters (80 random bits), shown as XXXX-XXXX-XXXX-XXXX:
no I, L, O or U, so it reads aloud and types without confusion. Only an HMAC of it is stored, so
a database dump does not let anyone follow a tip; the look-up is one query by that HMAC whatever
the input, so a wrong code and an unknown code take the same path.
"""

import hashlib
import hmac
import secrets

from django.conf import settings

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 16
# Crockford decoding: letters people type for digits they read.
TYPOS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def _random(length):
    return "".join(secrets.choice(ALPHABET) for _ in range(length))


def new_tracking_code():
    raw = _random(CODE_LENGTH)
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise(code):
    """Upper case, separators and spaces dropped, O/I/L read as 0/1."""
    cleaned = "".join(ch for ch in str(code or "").upper() if ch.isalnum())
    return cleaned.translate(TYPOS)[:64]


def tracking_hash(code):
    key = (settings.SECRET_KEY + "|safegrid.tips.tracking").encode()
    return hmac.new(key, normalise(code).encode(), hashlib.sha256).hexdigest()


def new_public_id():
    """The id partners and staff see (Open311 service_request_id); it opens nothing by itself."""
    return "T" + _random(9)


def api_key_hash(key):
    # API keys are 256 random bits: a plain SHA-256 is enough (no dictionary to guard against).
    return hashlib.sha256(str(key or "").encode()).hexdigest()


def new_api_key():
    return secrets.token_urlsafe(32)
