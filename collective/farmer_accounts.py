"""Farmer accounts: an official opens a household member's log-in, or resets its password.

The user name is the farmer's mobile phone number. The official is shown a one-time password once,
on the page the request returns, to hand over in person; only its hash is stored, and the farmer
must choose their own password at the first log-in (PasswordChangeRequiredMiddleware). A village
official manages the accounts of their own association's households, a township official any.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlencode

from axes.utils import reset as reset_lockouts
from django import forms
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_GET, require_http_methods

from collective.models import Household, Member, User
from collective.rules import is_township_official, is_village_official, keeps_household
from collective.shortcuts import add_service_errors

PHONE = re.compile(r"^1[3-9][0-9]{9}$")
# No 0/o, 1/l/i: the password is read off a screen and typed on a phone keyboard.
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS = 3
PASSWORD_GROUP_LENGTH = 4
PAGE_SIZE = 50

manages_farmer_accounts = keeps_household | is_township_official


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


# --- Pages ------------------------------------------------------------------------------------------


def _require_official(request) -> User:
    user = request.user
    if not (is_village_official(user) or is_township_official(user)):
        raise PermissionDenied
    return user


def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


class HouseholdChoiceForm(forms.Form):
    household = forms.CharField(label=gettext_lazy("Household code"), max_length=32)


class FarmerAccountForm(forms.Form):
    member = forms.ModelChoiceField(
        label=gettext_lazy("Member"),
        queryset=Member.objects.none(),
        required=False,
        empty_label=gettext_lazy("(the household)"),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile phone number (the user name)"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, household: Household, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = household.members.filter(ceased_on__isnull=True).order_by("pk")


@require_GET
def farmer_account_list(request):
    """The farmer accounts of the households the official keeps, found by household code, phone or name."""
    official = _require_official(request)
    households = Household.objects.visible_to(official)
    accounts = (
        User.objects.filter(role=User.Role.FARMER, household__in=households)
        .select_related("household")
        .order_by("household__code", "username")
    )
    query = request.GET.get("q", "").strip()
    if query:
        accounts = accounts.filter(
            Q(household__code__icontains=query) | Q(username__contains=query) | Q(first_name__contains=query)
        )
    page = Paginator(accounts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "collective/farmer_account_list.html",
        {
            "page": page,
            "query": query,
            "query_string": urlencode({"q": query}) if query else "",
            "choose_form": HouseholdChoiceForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def farmer_account_create(request):
    """Open an account: first the household (by code), then the member and the phone number."""
    official = _require_official(request)
    code = (request.POST.get("household") or request.GET.get("household") or "").strip()
    if not code:
        return render(request, "collective/farmer_account_form.html", {"choose_form": HouseholdChoiceForm()})
    household = Household.objects.visible_to(official).select_related("association").filter(code=code).first()
    if household is None or not manages_farmer_accounts.test(official, household):
        choose_form = HouseholdChoiceForm({"household": code})
        choose_form.is_valid()
        choose_form.add_error("household", _("No household %(code)s that you keep.") % {"code": code})
        return render(request, "collective/farmer_account_form.html", {"choose_form": choose_form})
    initial = {}
    if request.method == "GET" and household.head_id:
        initial = {"member": household.head_id, "phone": household.head.phone}
    form = FarmerAccountForm(request.POST if request.method == "POST" else None, household=household, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            account, password = create_farmer_account(
                official=official,
                household=household,
                phone=form.cleaned_data["phone"],
                member=form.cleaned_data["member"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            return _no_store(
                render(
                    request,
                    "collective/farmer_account_password.html",
                    {"account": account, "password": password, "created": True},
                )
            )
    existing = User.objects.filter(role=User.Role.FARMER, household=household).order_by("username")
    return render(
        request,
        "collective/farmer_account_form.html",
        {"household": household, "form": form, "existing": existing},
    )


@require_http_methods(["GET", "POST"])
def farmer_account_reset(request, pk: int):
    """Confirm, then give the account a new one-time password shown once."""
    official = _require_official(request)
    account = get_object_or_404(
        User.objects.filter(role=User.Role.FARMER, household__in=Household.objects.visible_to(official)).select_related(
            "household"
        ),
        pk=pk,
    )
    check_may_manage(official=official, household=account.household)
    if request.method == "POST":
        password = reset_farmer_password(official=official, account=account)
        return _no_store(
            render(
                request,
                "collective/farmer_account_password.html",
                {"account": account, "password": password, "created": False},
            )
        )
    return render(request, "collective/farmer_account_reset.html", {"account": account})
