"""Pages of the second factor: enrol, give a code at sign-in, recovery codes, and the township's resets."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from collective import second_factor
from collective.models import SecondFactorEvent, User


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Code"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )


class ResetForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, help_text=_("For example: a new phone."))


def _next_url(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return url
    return "/"


# never_cache: the pages with a secret, a QR code or recovery codes answer Cache-Control: no-store.
@never_cache
@sensitive_post_parameters("token")
def verify(request):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""
    user = request.user
    if not user.needs_second_factor or user.is_verified():
        return redirect(_next_url(request))
    if not second_factor.is_enrolled(user):
        return redirect(f"{_url('second-factor-enrol')}?{request.GET.urlencode()}")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = second_factor.verify(user=user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            if device.name == second_factor.RECOVERY:
                left = second_factor.recovery_codes_left(user)
                messages.warning(
                    request,
                    _("You signed in with a recovery code; %(left)s are left. Make new ones if few are left.")
                    % {"left": left},
                )
            return redirect(_next_url(request))
        form.add_error("token", _("This code is not right, or was already used. Wait for a new code and try again."))
    return render(request, "collective/second_factor_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@sensitive_post_parameters("token")
def enrol(request):
    """First sign-in of an official: scan the QR code with an authenticator app and type the code it shows."""
    user = request.user
    if not user.needs_second_factor or second_factor.is_enrolled(user):
        return redirect(_url("second-factor") + (f"?{request.GET.urlencode()}" if request.GET else ""))
    device = second_factor.pending_authenticator(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = second_factor.confirm_enrolment(user=user, device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            return render(request, "collective/second_factor_codes.html", {"codes": codes, "next": _next_url(request)})
        form.add_error("token", _("This code is not right. Check the phone's time and type the code shown now."))
    context = {
        "form": form,
        "qr_code": second_factor.qr_code_data_uri(device),
        "secret": second_factor.secret_for_typing(device),
        "next": _next_url(request),
    }
    return render(request, "collective/second_factor_enrol.html", context)


@never_cache
def recovery_codes(request):
    """How many recovery codes are left; POST makes ten new ones and shows them once."""
    user = request.user
    if not user.needs_second_factor:
        raise PermissionDenied
    if request.method == "POST":
        codes = second_factor.renew_recovery_codes(user=user)
        return render(request, "collective/second_factor_codes.html", {"codes": codes, "next": "/"})
    return render(request, "collective/second_factor_recovery.html", {"left": second_factor.recovery_codes_left(user)})


def officials(request):
    """The township's page: every official's second factor, the resets and the audit trail."""
    if not second_factor.may_reset(request.user):
        raise PermissionDenied
    users = [
        {"user": user, "enrolled": second_factor.is_enrolled(user)}
        for user in User.objects.filter(is_active=True).select_related("organisation").order_by("username")
        if user.needs_second_factor
    ]
    events = SecondFactorEvent.objects.select_related("user", "actor")[:100]
    return render(
        request, "collective/second_factor_officials.html", {"officials": users, "events": events, "form": ResetForm()}
    )


@require_POST
def reset(request, pk: int):
    if not second_factor.may_reset(request.user):
        raise PermissionDenied
    official = get_object_or_404(User, pk=pk)
    if not official.needs_second_factor or official.pk == request.user.pk:
        raise PermissionDenied
    form = ResetForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason for the reset."))
        return redirect("second-factor-officials")
    second_factor.reset(user=official, by=request.user, reason=form.cleaned_data["reason"])
    messages.success(
        request,
        _("The second factor of %(user)s is reset: they enrol a new authenticator at their next sign-in.")
        % {"user": official.get_username()},
    )
    return redirect("second-factor-officials")


def _url(name: str) -> str:
    from django.urls import reverse

    return reverse(name)
