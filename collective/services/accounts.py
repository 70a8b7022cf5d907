"""Accounts: farmer log-ins opened by officials, and API keys for reporting clients.

Farmer accounts: the user name is the farmer's mobile phone number. The official is shown a one-time
password once, on the page the request returns, to hand over in person; only its hash is stored, and
the farmer must choose their own password at the first log-in (PasswordChangeRequiredMiddleware). A
village official manages the accounts of their own association's households, a township official any.

API keys: created and revoked by township officials, sent as `Api-Key …` (collective.authentication).
A key is `gt_<prefix>_<secret>`: the prefix (8 hex characters) is public and finds the row, the
secret (32 random bytes) is never stored; the row keeps the SHA-256 of the whole key. A key that
high in entropy needs no slow hash: nobody can guess it from its digest.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from datetime import timedelta

from axes.utils import reset as reset_lockouts
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_variables

from collective.models import ApiKey, Household, Member, Organisation, User
from collective.rules import manages_farmer_accounts

PHONE = re.compile(r"^1[3-9][0-9]{9}$")


# No 0/o, 1/l/i: the password is read off a screen and typed on a phone keyboard.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


PASSWORD_GROUPS = 3


PASSWORD_GROUP_LENGTH = 4


@sensitive_variables("password")
def generate_one_time_password() -> str:
    """Return a random password easy to read out and type, e.g. 'k7mq-p3xa-9wtd' (about 59 bits)."""
    while True:
        groups = [
            "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(PASSWORD_GROUP_LENGTH))
            for _ in range(PASSWORD_GROUPS)
        ]
        password = "-".join(groups)
        if any(c.isalpha() for c in password):
            return password


def normalise_phone(phone: str) -> str:
    return re.sub(r"[\s-]", "", phone or "")


def check_may_manage(*, official: User, household: Household) -> None:
    if not manages_farmer_accounts.test(official, household):
        raise PermissionDenied(_("You may not manage the accounts of this household."))


@sensitive_variables("password")
def _set_one_time_password(account: User) -> str:
    password = generate_one_time_password()
    validate_password(password, user=account)
    account.set_password(password)
    account.must_change_password = True
    return password


@transaction.atomic
def create_farmer_account(
    *, official: User, household: Household, phone: str, member: Member | None = None
) -> tuple[User, str]:
    """Open a farmer's log-in for a household (user name: the phone number); return it and its one-time password."""
    check_may_manage(official=official, household=household)
    phone = normalise_phone(phone)
    if not PHONE.match(phone):
        raise ValidationError(
            {"phone": _("Enter the farmer's 11-digit mobile phone number, e.g. 13800000001.")}, code="phone"
        )
    if household.is_dissolved:
        raise ValidationError(_("Household %(code)s is dissolved.") % {"code": household.code}, code="dissolved")
    if member is not None and (member.household_id != household.pk or member.ceased_on is not None):
        raise ValidationError(
            {"member": _("Choose a member of household %(code)s in membership.") % {"code": household.code}},
            code="not_member",
        )
    if User.objects.filter(username=phone).exists():
        raise ValidationError(
            {
                "phone": _("The phone number %(phone)s already has an account. Reset its password instead.")
                % {"phone": phone}
            },
            code="taken",
        )
    account = User(
        username=phone,
        phone=phone,
        role=User.Role.FARMER,
        household=household,
        first_name=member.name if member else "",
    )
    password = _set_one_time_password(account)
    account.save()
    return account, password


@transaction.atomic
def reset_farmer_password(*, official: User, account: User) -> str:
    """Give a farmer's account a new one-time password, to be changed at the next log-in; lift any lock-out."""
    if account.role != User.Role.FARMER or account.household is None:
        raise PermissionDenied(_("Only a farmer's password is reset here."))
    check_may_manage(official=official, household=account.household)
    account = User.objects.select_for_update().get(pk=account.pk)
    password = _set_one_time_password(account)
    account.is_active = True
    account.save(update_fields=["password", "must_change_password", "is_active"])
    reset_lockouts(username=account.username)
    return password


KEY_PREFIX = "gt_"


# last_used_at is written at most this often per key, so reading a list costs no write per request.
LAST_USED_PRECISION = timedelta(minutes=1)


def _digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode()).hexdigest()


def _split(raw_key: str) -> str | None:
    """Return the prefix of a well-formed key, else None."""
    if not raw_key.startswith(KEY_PREFIX):
        return None
    prefix, _sep, secret = raw_key[len(KEY_PREFIX) :].partition("_")
    if len(prefix) != 8 or not secret:
        return None
    return prefix


@transaction.atomic
def create_api_key(*, name: str, organisation: Organisation, created_by: User) -> tuple[ApiKey, str]:
    """Create a key for a reporting client; return it with the plain key, which is shown once and never again."""
    if organisation.kind not in ApiKey.SCOPE_KINDS:
        raise ValueError(f"An API key cannot be scoped to {organisation.kind} {organisation.code}.")
    for _attempt in range(5):
        prefix = secrets.token_hex(4)
        raw_key = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                key = ApiKey.objects.create(
                    name=name,
                    organisation=organisation,
                    prefix=prefix,
                    key_hash=_digest(raw_key),
                    created_by=created_by,
                )
        except IntegrityError:
            continue  # the one-in-four-billion prefix clash: draw again
        return key, raw_key
    raise RuntimeError("Could not draw an unused API key prefix.")


@transaction.atomic
def revoke_api_key(*, key: ApiKey, revoked_by: User) -> ApiKey:
    """Revoke a key: from now on it gets 401. Revoking twice keeps the first date."""
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at is None:
        key.revoked_at = timezone.now()
        key.revoked_by = revoked_by
        key.save(update_fields=["revoked_at", "revoked_by"])
    return key


def find_api_key(raw_key: str) -> ApiKey | None:
    """Return the active key this is, or None for a malformed, unknown or revoked one."""
    prefix = _split(raw_key)
    if prefix is None:
        return None
    key = ApiKey.objects.select_related("organisation").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.key_hash, _digest(raw_key)) or key.is_revoked:
        return None
    return key


def touch(key: ApiKey) -> None:
    """Record that the key was used now (to the minute)."""
    now = timezone.now()
    if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
        ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
