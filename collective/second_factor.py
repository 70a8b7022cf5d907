"""The second factor of officials: an authenticator app (TOTP) and ten recovery codes, through django-otp.

An official (village, accountant, township, superuser) enrols at the first sign-in by scanning a QR
code, then gives a six-digit code at every sign-in; a recovery code stands in for a lost phone, once
each. A township official resets a colleague's second factor (a new phone); every enrolment, reset,
use of a recovery code and renewal of the codes is a SecondFactorEvent.
"""

import segno
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp import match_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from collective.models import SecondFactorEvent, User

AUTHENTICATOR = "authenticator"
RECOVERY = "recovery"
RECOVERY_CODE_COUNT = 10


def is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def pending_authenticator(*, user: User) -> TOTPDevice:
    """The authenticator being enrolled: the same secret (and QR code) until it is confirmed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False, name=AUTHENTICATOR).first()
    return device or TOTPDevice.objects.create(user=user, name=AUTHENTICATOR, confirmed=False)


def qr_code_data_uri(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an SVG QR code, drawn here (no outside service sees the secret)."""
    return segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)


def secret_for_typing(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for an app that cannot scan."""
    from base64 import b32encode

    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm_enrolment(*, user: User, device: TOTPDevice, token: str) -> list[str] | None:
    """Confirm the authenticator with a code it shows; return new recovery codes, or None for a wrong code."""
    if device.user_id != user.pk or device.confirmed or not device.verify_token(token.strip()):
        return None
    TOTPDevice.objects.filter(user=user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    SecondFactorEvent.objects.create(user=user, actor=user, kind=SecondFactorEvent.Kind.ENROLLED)
    return _new_recovery_codes(user)


@transaction.atomic
def renew_recovery_codes(*, user: User) -> list[str]:
    """Replace the official's recovery codes with ten new ones (the old ones stop working)."""
    codes = _new_recovery_codes(user)
    SecondFactorEvent.objects.create(user=user, actor=user, kind=SecondFactorEvent.Kind.RECOVERY_CODES_RENEWED)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name=RECOVERY, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY).count()


@transaction.atomic
def verify(*, user: User, token: str) -> Device | None:
    """The device that accepts this code (authenticator or recovery code), or None.

    django-otp throttles wrong codes on each device (a growing delay) and refuses a TOTP code twice.
    """
    token = "".join(token.split())
    if not token:
        return None
    device = match_token(user, token)
    if isinstance(device, StaticDevice):
        SecondFactorEvent.objects.create(user=user, actor=user, kind=SecondFactorEvent.Kind.RECOVERY_CODE_USED)
    return device


def may_reset(actor: User) -> bool:
    return actor.is_superuser or actor.is_township_official


@transaction.atomic
def reset(*, user: User, by: User, reason: str) -> SecondFactorEvent:
    """Take away an official's authenticator and recovery codes: they enrol again at the next sign-in."""
    if not may_reset(by) or by.pk == user.pk:
        raise PermissionDenied
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    return SecondFactorEvent.objects.create(user=user, actor=by, kind=SecondFactorEvent.Kind.RESET, reason=reason)
