"""Reporter identity and payment details at rest: Fernet tokens under a MultiFernet.

SAFEGRID_TIP_KEYS lists the keys, newest first: the first encrypts, every one decrypts, so a
new key is put in front and `manage.py rotate_tip_keys` re-encrypts the rows before the old
key is dropped.
"""

import json

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet():
    return MultiFernet([Fernet(key) for key in settings.SAFEGRID_TIP_KEYS])


def encrypt(values):
    """A token for a dict of strings; empty input gives an empty token."""
    if not values:
        return ""
    return _fernet().encrypt(json.dumps(values, ensure_ascii=False).encode()).decode()


def decrypt(token):
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        # No key of SAFEGRID_TIP_KEYS opens it: a key was dropped before rotation finished.
        raise RuntimeError("举报人信息无法解密：缺少加密时使用的密钥(SAFEGRID_TIP_KEYS)。") from exc


def rotate(token):
    """The same secret re-encrypted under the first key."""
    return _fernet().rotate(token.encode()).decode() if token else token
