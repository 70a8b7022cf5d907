"""API keys for reporting clients: created and revoked by township officials, sent as `Api-Key …`.

A key is `gt_<prefix>_<secret>`: the prefix (8 hex characters) is public and finds the row, the
secret (32 random bytes) is never stored; the row keeps the SHA-256 of the whole key. A key that
high in entropy needs no slow hash: nobody can guess it from its digest.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from datetime import timedelta

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from rest_framework import authentication, exceptions, throttling

from collective.models import ApiKey, ApiKeyPrincipal, Organisation, User
from collective.rules import is_township_official

KEYWORD = "Api-Key"
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


# --- Django REST framework -----------------------------------------------------------------------


class ApiKeyAuthentication(authentication.BaseAuthentication):
    """`Authorization: Api-Key gt_…`: the request acts as the key's principal (see ApiKeyPrincipal)."""

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        keyword, _sep, raw_key = header.strip().partition(" ")
        if keyword.lower() != KEYWORD.lower():
            return None
        raw_key = raw_key.strip()
        if not raw_key or " " in raw_key:
            raise exceptions.AuthenticationFailed(_("Malformed Api-Key header: send `Api-Key <key>`."))
        key = find_api_key(raw_key)
        if key is None:
            raise exceptions.AuthenticationFailed(_("This API key is not valid or has been revoked."))
        touch(key)
        return key.principal(), key

    def authenticate_header(self, request) -> str:
        # Makes a request without credentials a 401 (not a 403), with this challenge.
        return KEYWORD


class ApiKeyRateThrottle(throttling.SimpleRateThrottle):
    """Requests per key (scope "api_key"), or per logged-in user for browser sessions (scope "api_session").

    A fixed window per clock minute (or whatever the rate's period is), counted with the cache's atomic
    increment: DRF's own throttle reads a list of times, appends and writes it back, so parallel clients
    overwrote each other's requests (668 of 600 got through with 16 clients). Redis INCR (and the local
    memory cache's lock) make each request count once, whatever the number of processes and threads.
    """

    scope = "api_key"

    def get_rate(self):
        # Read the rates when asked, so settings changes (and tests) apply without re-importing.
        from rest_framework.settings import api_settings

        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request, view):
        self.scope = "api_key" if isinstance(request.auth, ApiKey) else "api_session"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
        window = int(now // self.duration)
        self.window_ends = (window + 1) * self.duration
        self.now = now
        key = f"{self.key}:{window}"
        # add() creates the counter only if it is missing; incr() is atomic in Redis and in local memory.
        self.cache.add(key, 0, timeout=self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the counter expired between add() and incr()
            self.cache.add(key, 1, timeout=self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self):
        return max(math.ceil(self.window_ends - self.now), 1)

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            return f"throttle_api_key_{request.auth.pk}"
        if request.user and request.user.is_authenticated and not isinstance(request.user, ApiKeyPrincipal):
            return f"throttle_api_session_{request.user.pk}"
        return None


# --- Pages: township officials create and revoke keys --------------------------------------------


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        help_text=_("Who uses the key, for example the station's reporting system."),
    )
    organisation = forms.ModelChoiceField(
        label=_("Scope"),
        queryset=Organisation.objects.filter(kind__in=ApiKey.SCOPE_KINDS).order_by("kind", "code"),
        help_text=_("The township reads all nine associations; an association's key reads that association only."),
        empty_label=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = dict(Organisation.Kind.choices)
        self.fields["organisation"].label_from_instance = lambda org: f"{org.name} ({kinds[org.kind]}, {org.code})"


def _require_township(request) -> None:
    if not is_township_official(request.user):
        raise PermissionDenied


@require_GET
def api_key_list(request):
    """The township's API keys, active and revoked, with the form that creates one."""
    _require_township(request)
    keys = ApiKey.objects.visible_to(request.user).select_related("organisation", "created_by", "revoked_by")
    return render(request, "collective/api_key_list.html", {"keys": keys, "form": ApiKeyForm()})


@require_POST
def api_key_create(request):
    """Create a key and show it once; the page is not cached and the key cannot be shown again."""
    _require_township(request)
    form = ApiKeyForm(request.POST)
    if not form.is_valid():
        keys = ApiKey.objects.visible_to(request.user).select_related("organisation", "created_by", "revoked_by")
        return render(request, "collective/api_key_list.html", {"keys": keys, "form": form}, status=400)
    key, raw_key = create_api_key(
        name=form.cleaned_data["name"], organisation=form.cleaned_data["organisation"], created_by=request.user
    )
    response = render(request, "collective/api_key_created.html", {"key": key, "raw_key": raw_key})
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
def api_key_revoke(request, pk: int):
    """Ask, then revoke a key."""
    _require_township(request)
    key = get_object_or_404(ApiKey.objects.visible_to(request.user).select_related("organisation"), pk=pk)
    if request.method == "POST":
        revoke_api_key(key=key, revoked_by=request.user)
        messages.success(request, _("The key “%(name)s” is revoked.") % {"name": key.name})
        return redirect("collective:api-key-list")
    return render(request, "collective/api_key_revoke.html", {"key": key})
