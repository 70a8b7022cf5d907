"""API keys on Django REST framework: `Authorization: Api-Key gt_…`, and the rate limit per key or session."""

from __future__ import annotations

import math

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, throttling

from collective.models import ApiKey, ApiKeyPrincipal
from collective.services.accounts import find_api_key, touch

KEYWORD = "Api-Key"


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
