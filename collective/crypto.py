"""Personal data at rest: resident ID and bank account numbers are encrypted, looked up by a keyed hash.

The Fernet key comes from settings.PII_ENCRYPTION_KEY. It may hold several keys separated by
commas: the first encrypts, all decrypt, so a key can be rotated without losing old rows.
The hash is an HMAC-SHA256 under settings.PII_HASH_KEY: without the key a dump cannot be
searched by guessing numbers (an 18-character ID number has too little entropy for a plain hash).
"""

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings
from django.views.decorators.debug import sensitive_variables


@lru_cache(maxsize=4)
def _fernet(keys: str) -> MultiFernet:
    return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])


@sensitive_variables("text")
def encrypt(text: str) -> str:
    """Return text encrypted under the current key, as an ASCII token; "" stays ""."""
    if not text:
        return ""
    return _fernet(settings.PII_ENCRYPTION_KEY).encrypt(text.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """Return the plain text of a token made by encrypt(); "" stays ""."""
    if not token:
        return ""
    return _fernet(settings.PII_ENCRYPTION_KEY).decrypt(token.encode("ascii")).decode()


@sensitive_variables("text")
def keyed_hash(text: str) -> str:
    """Return the keyed hash (64 hex characters) used to find and de-duplicate a number."""
    if not text:
        return ""
    return hmac.new(settings.PII_HASH_KEY.encode(), text.encode(), hashlib.sha256).hexdigest()


def mask(text: str, keep_start: int = 6, keep_end: int = 4) -> str:
    """Return text with all but its first keep_start and last keep_end characters starred.

    530102199001011234 -> 530102********1234. A text too short to keep both ends is starred whole.
    """
    if not text:
        return ""
    hidden = len(text) - keep_start - keep_end
    if hidden <= 0:
        return "*" * len(text)
    return text[:keep_start] + "*" * hidden + (text[-keep_end:] if keep_end else "")
