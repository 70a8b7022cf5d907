from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext


class PasswordChangeRequiredMiddleware:
    """Send a user whose password was set by someone else to change it before anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse("password_change"), reverse("password_change_done"), reverse("logout")}
            if request.path not in allowed and not request.path.startswith("/i18n/"):
                return redirect("password_change")
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Send an official who has given only a password to the second factor: enrol, or give a code.

    Until then the official reaches nothing but the second-factor pages and the log-out; the API
    answers 403 rather than redirect. Installed after django-otp's OTPMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.needs_second_factor and not user.is_verified():
            allowed = {
                reverse("second-factor"),
                reverse("second-factor-enrol"),
                reverse("logout"),
                reverse("health"),
            }
            if request.path not in allowed and not request.path.startswith("/i18n/"):
                if request.path.startswith("/api/"):
                    return JsonResponse({"detail": gettext("Give your second factor first.")}, status=403)
                return redirect_to_login(request.get_full_path(), reverse("second-factor"))
        return self.get_response(request)
