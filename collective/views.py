import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import urlencode

import rules
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collective import services
from collective.certificates import render_certificate_pdf
from collective.forms import (
    ApiKeyForm,
    AsOfForm,
    CancellationForm,
    CeaseMembershipForm,
    FarmerAccountForm,
    FindByIdForm,
    HouseholdChoiceForm,
    HouseholdFilterForm,
    HouseholdForm,
    ImportForm,
    InheritanceForm,
    IssueForm,
    LoginForm,
    MemberForm,
    MergeForm,
    MoveMemberForm,
    QuantificationForm,
    ShareTypeForm,
    SplitForm,
    TransferForm,
)
from collective.hooks import check_quantification
from collective.imports import (
    COLUMNS,
    RosterInvalid,
    import_roster,
    read_rows,
    registry_rows,
    registry_workbook,
    template_csv,
    template_workbook,
)
from collective.models import (
    ApiKey,
    EquityEvent,
    Heartbeat,
    Household,
    Member,
    MemberMove,
    Organisation,
    ShareEvent,
    ShareEventLine,
    ShareType,
    User,
    equity_percentages,
)
from collective.rules import is_township_official, is_village_official, manages_farmer_accounts
from collective.services import (
    QuantificationRule,
    household_holdings,
    next_household_code,
    registry_as_of,
)
from collective.services.accounts import (
    check_may_manage,
    create_api_key,
    create_farmer_account,
    reset_farmer_password,
    revoke_api_key,
)
from collective.shortcuts import add_service_errors, paginate


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    redirect_authenticated_user = True


class PasswordChangeView(auth_views.PasswordChangeView):
    success_url = reverse_lazy("password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        if self.request.user.must_change_password:
            self.request.user.must_change_password = False
            self.request.user.save(update_fields=["must_change_password"])
        return response


HOME_TEMPLATES = {
    User.Role.TOWNSHIP: "collective/home_township.html",
    User.Role.ACCOUNTANT: "collective/home_township.html",
    User.Role.VILLAGE: "collective/home_village.html",
    User.Role.ASSOCIATION_STAFF: "collective/home_association.html",
}


def company_equity(as_of=None) -> list[dict]:
    """Return each company's holders with their shares and percentage, for the home pages."""
    as_of = as_of or timezone.localdate()
    holders = {org.pk: org for org in Organisation.objects.collectives()}
    result = []
    for company in Organisation.objects.companies():
        holdings = EquityEvent.objects.holdings_as_of(company, as_of)
        percentages = equity_percentages(holdings)
        rows = [
            {"holder": holders[holder_id], "shares": shares, "percent": float(percentages[holder_id] * 100)}
            for holder_id, shares in sorted(holdings.items(), key=lambda item: holders[item[0]].code)
        ]
        result.append({"company": company, "rows": rows, "total": sum(holdings.values())})
    return result


@require_GET
def home(request):
    """Each official's role lands on its own home (a farmer's is the portal's: portal.views.front_door)."""
    user = request.user
    template = HOME_TEMPLATES.get(user.role, "collective/home_township.html")
    context = {
        "townships": Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP),
        "associations": Organisation.objects.collectives().select_related("township"),
        "equity": company_equity(),
    }
    if user.is_village_official:
        context["association"] = user.organisation
    return render(request, template, context)


@login_not_required
@require_GET
def health(request):
    """Report that the app and its database answer, and when the worker and beat last ran (for probes).

    With a broker (the PostgreSQL/Redis mode) a missing or stale worker or beat heartbeat is not ok
    (503): runs would wait for ever. The embedded mode runs tasks in-process and needs neither.
    """
    seen = {beat.name: beat.seen_at for beat in Heartbeat.objects.all()}
    body: dict = {"status": "ok", "heartbeats": {name: at.isoformat() for name, at in seen.items()}}
    if not settings.CELERY_TASK_ALWAYS_EAGER:
        oldest = timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS)
        missing = [name for name in ("worker", "beat") if name not in seen or seen[name] < oldest]
        if missing:
            body.update(status="not ok", missing=missing)
            return JsonResponse(body, status=503)
    return JsonResponse(body)


# --- The registry pages: households, members, shares ------------------------------------------------
# Village officials keep their own association's registry; township officials read all nine.
# Scoping lives in the QuerySets' visible_to(); permissions in collective/rules.py.

REGISTRY_PAGE_SIZE = 100
HOUSEHOLD_PAGE_SIZE = 50
LAST_FOUR = re.compile(r"^[0-9]{3}[0-9Xx]$")


def _require_pages(request) -> None:
    if not rules.has_perm("collective.view_household_pages", request.user):
        raise PermissionDenied


def _household(request, pk: int) -> Household:
    _require_pages(request)
    return get_object_or_404(Household.objects.visible_to(request.user).select_related("association", "head"), pk=pk)


def _member(request, pk: int) -> Member:
    _require_pages(request)
    return get_object_or_404(
        Member.objects.visible_to(request.user).select_related("household__association", "household__head"), pk=pk
    )


def _require_change(request, household: Household) -> None:
    if not rules.has_perm("collective.change_household", request.user, household):
        raise PermissionDenied


def _kept_association(request) -> Organisation:
    """The association a village official keeps; everyone else may not change an association's registry."""
    _require_pages(request)
    association = request.user.organisation if request.user.is_village_official else None
    if association is None or not rules.has_perm("collective.change_registry", request.user, association):
        raise PermissionDenied
    return association


def _as_of(request) -> date:
    form = AsOfForm(request.GET)
    return form.cleaned_data["as_of"] if form.is_valid() else timezone.localdate()


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


HOUSEHOLD_ROW_FIELDS = ("code", "village_group", "dissolved_on", "head__name", "head__masked_id_number")


@require_GET
def household_list(request):
    """Households of the official's association (all nine for the township), searched, filtered and paginated."""
    _require_pages(request)
    households = Household.objects.visible_to(request.user)
    associations = Organisation.objects.collectives().visible_to(request.user)
    groups = (
        households.exclude(village_group="")
        .order_by("village_group")
        .values_list("village_group", flat=True)
        .distinct()
    )
    form = HouseholdFilterForm(request.GET, associations=associations, groups=groups)
    # A correlated count per row shown, not a join grouped over the whole association: the page and its
    # paginator's count then read only the rows they need (docs/scaling.md).
    members_in = (
        Member.objects.filter(household=OuterRef("pk"), ceased_on__isnull=True)
        .order_by()
        .values("household")
        .annotate(count=Count("pk"))
        .values("count")
    )
    # The columns the rows show, not every field of three models for each of the page's fifty rows; the
    # association's name only where the official sees several associations.
    show_association = "association" in form.fields
    if show_association:
        households = households.select_related("association", "head").only(*HOUSEHOLD_ROW_FIELDS, "association__name")
    else:
        households = households.select_related("head").only(*HOUSEHOLD_ROW_FIELDS)
    households = households.annotate(member_count=Coalesce(Subquery(members_in), 0))
    if form.is_valid():
        data = form.cleaned_data
        if data.get("association"):
            households = households.filter(association=data["association"])
        if data["group"]:
            households = households.filter(village_group=data["group"])
        if data["status"] == "active":
            households = households.filter(dissolved_on__isnull=True)
        elif data["status"] == "dissolved":
            households = households.filter(dissolved_on__isnull=False)
        query = data["q"].strip()
        if query:
            # The official's own members only: not a scan of every member of the county for a name.
            members = Member.objects.visible_to(request.user)
            matches = Q(code__icontains=query) | Q(pk__in=members.filter(name__icontains=query).values("household"))
            if LAST_FOUR.match(query):
                matches |= Q(pk__in=members.filter(id_number_last4=query.upper()).values("household"))
            households = households.filter(matches)
    page, query_string = paginate(request, households.order_by("code"), HOUSEHOLD_PAGE_SIZE)
    return render(
        request,
        "collective/household_list.html",
        {
            "form": form,
            "page_obj": page,
            "query_string": query_string,
            "can_change": request.user.is_village_official,
            "find_form": FindByIdForm(),
            "show_association": show_association,
        },
    )


@sensitive_post_parameters("id_number")
@require_POST
def household_find(request):
    """Find the household of a whole ID number. A POST, so the number never appears in a URL or an access log."""
    _require_pages(request)
    form = FindByIdForm(request.POST)
    if form.is_valid():
        members = Member.objects.visible_to(request.user).with_id_number(form.cleaned_data["id_number"].upper())
        member = members.first()
        if member is not None:
            return redirect("collective:household-detail", pk=member.household_id)
    messages.warning(request, _("No member with this ID number in the households you keep."))
    return redirect("collective:household-list")


def _change_history(household: Household) -> list[dict]:
    """Return the household's and its members' recorded changes, newest first, with what changed."""
    member_ids = set(household.members.values_list("pk", flat=True))
    member_ids |= set(Member.history.filter(household_id=household.pk).values_list("id", flat=True))
    records = [
        *Household.history.filter(id=household.pk).select_related("history_user"),
        *Member.history.filter(id__in=member_ids).select_related("history_user"),
    ]
    names = dict(Member.objects.filter(pk__in=member_ids).values_list("pk", "name"))
    household_ids = {getattr(record, "household_id", None) for record in records} - {None}
    codes = dict(Household.objects.filter(pk__in=household_ids).values_list("pk", "code"))
    # The encrypted number and its hash change unreadably with every edit; the masked number shows the change.
    hidden = {"id_number_encrypted", "id_number_hash", "id_number_last4", "bank_account_encrypted", "association"}
    previous: dict[tuple, object] = {}
    entries = []
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        model = record.instance_type
        key = (model, record.id)
        changes = []
        if key in previous and record.history_type == "~":
            delta = record.diff_against(previous[key])
            for change in delta.changes:
                if change.field in hidden:
                    continue
                field = model._meta.get_field(change.field)
                old, new = change.old, change.new
                if change.field == "head":
                    old, new = names.get(old, old), names.get(new, new)
                elif change.field == "household":
                    old, new = codes.get(old, old), codes.get(new, new)
                elif field.choices:
                    choices = dict(field.flatchoices)
                    old, new = choices.get(old, old), choices.get(new, new)
                changes.append({"field": field.verbose_name, "old": old, "new": new})
            if not changes:
                previous[key] = record
                continue
        previous[key] = record
        entries.append(
            {
                "date": record.history_date,
                "user": record.history_user,
                "type": record.get_history_type_display(),
                "model": model._meta.verbose_name,
                "name": record.code if model is Household else record.name,
                "changes": changes,
            }
        )
    entries.reverse()
    return entries


@require_GET
def household_detail(request, pk: int):
    """A household: its members, its holdings now and on a chosen date, its share events and its history."""
    household = _household(request, pk)
    today = timezone.localdate()
    as_of = _as_of(request)
    share_types = {t.pk: t for t in ShareType.objects.filter(association_id=household.association_id)}
    now = {h.share_type_id: h.quantity for h in household_holdings(household=household, as_of=today)}
    then = {h.share_type_id: h.quantity for h in household_holdings(household=household, as_of=as_of)}
    holdings = [
        {"share_type": share_types[pk], "now": now.get(pk), "then": then.get(pk)}
        for pk in sorted(set(now) | set(then), key=lambda pk: share_types[pk].code)
    ]
    lines = (
        ShareEventLine.objects.filter(household=household)
        .select_related("event__recorded_by", "event__member", "share_type")
        .order_by("-event__effective_date", "-event_id", "pk")
    )
    moves = (
        MemberMove.objects.filter(Q(from_household=household) | Q(to_household=household))
        .select_related("member", "from_household", "to_household")
        .order_by("-moved_on", "-pk")
    )
    can_change = rules.has_perm("collective.change_household", request.user, household)
    return render(
        request,
        "collective/household_detail.html",
        {
            "household": household,
            "members": household.members.order_by("ceased_on", "pk"),
            "holdings": holdings,
            "as_of": as_of,
            "today": today,
            "as_of_form": AsOfForm(initial={"as_of": as_of}),
            "lines": lines,
            "moves": moves,
            "history": _change_history(household),
            "can_change": can_change,
            "can_reveal": rules.has_perm("collective.reveal_personal_data", request.user, household),
            "event_kinds": EVENT_KINDS,
        },
    )


@require_GET
def household_certificate(request, pk: int):
    """The share certificate (股权证) of a household as a Chinese PDF, with its holdings on a date."""
    household = _household(request, pk)
    pdf = render_certificate_pdf(household=household, as_of=_as_of(request), base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"{household.certificate_label}.pdf"
    )
    return response


def _form_page(request, *, form, title: str, back_url: str, submit: str = "", intro: str = "", **extra):
    return render(
        request,
        "collective/form.html",
        {"form": form, "title": title, "back_url": back_url, "submit": submit or _("Save"), "intro": intro, **extra},
    )


@sensitive_post_parameters("bank_account")
def household_create(request):
    association = _kept_association(request)
    form = HouseholdForm(request.POST or None, initial={"code": next_household_code(association=association)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            household = services.create_household(
                association=association,
                code=data["code"],
                village_group=data["village_group"],
                address=data["address"],
                established_on=data["established_on"],
                bank_name=data["bank_name"],
                bank_account=data["bank_account"],
                certificate_number=data["certificate_number"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            messages.success(request, _("Household %(code)s created. Add its members now.") % {"code": household.code})
            return redirect("collective:household-detail", pk=household.pk)
    return _form_page(request, form=form, title=_("New household"), back_url=reverse("collective:household-list"))


@sensitive_post_parameters("bank_account")
def household_edit(request, pk: int):
    household = _household(request, pk)
    _require_change(request, household)
    initial = {
        "village_group": household.village_group,
        "address": household.address,
        "established_on": household.established_on,
        "head": household.head,
        "certificate_number": household.certificate_number,
        "bank_name": household.bank_name,
    }
    form = HouseholdForm(request.POST or None, household=household, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_household(
                household=household,
                village_group=data["village_group"],
                address=data["address"],
                established_on=data["established_on"],
                head=data["head"],
                bank_name=data["bank_name"],
                bank_account=data["bank_account"] or None,
                certificate_number=data["certificate_number"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            messages.success(request, _("Household %(code)s saved.") % {"code": household.code})
            return redirect("collective:household-detail", pk=household.pk)
    return _form_page(
        request,
        form=form,
        title=_("Household %(code)s") % {"code": household.code},
        back_url=reverse("collective:household-detail", args=[household.pk]),
    )


@sensitive_post_parameters("id_number")
def member_create(request, pk: int):
    household = _household(request, pk)
    _require_change(request, household)
    form = MemberForm(request.POST or None, association=household.association)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = services.register_member(
                household=household,
                name=data["name"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                id_number=data["id_number"],
                relation=data["relation"],
                phone=data["phone"],
                joined_on=data["joined_on"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            messages.success(
                request, _("%(name)s added to household %(code)s.") % {"name": member.name, "code": household.code}
            )
            return redirect("collective:household-detail", pk=household.pk)
    return _form_page(
        request,
        form=form,
        title=_("New member of household %(code)s") % {"code": household.code},
        back_url=reverse("collective:household-detail", args=[household.pk]),
    )


@sensitive_post_parameters("id_number")
def member_edit(request, pk: int):
    member = _member(request, pk)
    household = member.household
    _require_change(request, household)
    initial = {
        "name": member.name,
        "sex": member.sex,
        "birth_date": member.birth_date,
        "relation": member.relation,
        "phone": member.phone,
        "joined_on": member.joined_on,
    }
    form = MemberForm(request.POST or None, association=household.association, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_member(
                member=member,
                name=data["name"],
                sex=data["sex"],
                birth_date=data["birth_date"],
                relation=data["relation"],
                phone=data["phone"],
                joined_on=data["joined_on"],
                id_number=data["id_number"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            for warning in form.warnings:
                messages.warning(request, warning)
            messages.success(request, _("%(name)s saved.") % {"name": member.name})
            return redirect("collective:household-detail", pk=household.pk)
    return _form_page(
        request,
        form=form,
        title=_("Member %(name)s") % {"name": member.name},
        back_url=reverse("collective:household-detail", args=[household.pk]),
    )


def member_cease(request, pk: int):
    member = _member(request, pk)
    _require_change(request, member.household)
    form = CeaseMembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.cease_membership(
                member=member, ceased_on=data["ceased_on"], reason=data["reason"], note=data["note"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The membership of %(name)s ended.") % {"name": member.name})
            if member.pk == member.household.head_id:
                messages.warning(
                    request, _("%(name)s was the head of the household: choose a new head.") % {"name": member.name}
                )
            return redirect("collective:household-detail", pk=member.household_id)
    return _form_page(
        request,
        form=form,
        title=_("End the membership of %(name)s") % {"name": member.name},
        back_url=reverse("collective:household-detail", args=[member.household_id]),
    )


def member_move(request, pk: int):
    member = _member(request, pk)
    _require_change(request, member.household)
    form = MoveMemberForm(
        request.POST or None, association=member.household.association, initial={"relation": member.relation}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.move_member(
                member=member,
                to_household=data["to_household"],
                moved_on=data["moved_on"],
                relation=data["relation"],
                note=data["note"],
                recorded_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(name)s moved to household %(code)s.") % {"name": member.name, "code": data["to_household"].code},
            )
            return redirect("collective:household-detail", pk=data["to_household"].pk)
    return _form_page(
        request,
        form=form,
        title=_("Move %(name)s to another household") % {"name": member.name},
        back_url=reverse("collective:household-detail", args=[member.household_id]),
    )


@require_POST
def member_reveal(request, pk: int):
    """Show a member's whole ID number to an official of the member's association; the look is recorded."""
    member = _member(request, pk)
    if not rules.has_perm("collective.reveal_personal_data", request.user, member.household):
        raise PermissionDenied
    value = services.reveal_id_number(member=member, user=request.user)
    return _revealed(
        request, value=value, label=_("ID number of %(name)s") % {"name": member.name}, household=member.household
    )


@require_POST
def household_reveal(request, pk: int):
    """Show a household's whole bank account number to an official of its association; the look is recorded."""
    household = _household(request, pk)
    if not rules.has_perm("collective.reveal_personal_data", request.user, household):
        raise PermissionDenied
    value = services.reveal_bank_account(household=household, user=request.user)
    return _revealed(
        request,
        value=value,
        label=_("Bank account of household %(code)s") % {"code": household.code},
        household=household,
    )


def _revealed(request, *, value: str, label: str, household: Household) -> HttpResponse:
    template = "collective/_revealed.html" if request.htmx else "collective/revealed.html"
    return _no_store(render(request, template, {"value": value, "label": label, "household": household}))


# --- Share events -----------------------------------------------------------------------------------

EVENT_KINDS = [
    (ShareEvent.Kind.ISSUE, _("Issue shares")),
    (ShareEvent.Kind.TRANSFER, _("Transfer shares")),
    (ShareEvent.Kind.INHERITANCE, _("Record an inheritance")),
    (ShareEvent.Kind.SPLIT, _("Split the household")),
    (ShareEvent.Kind.MERGE, _("Merge into another household")),
    (ShareEvent.Kind.CANCELLATION, _("Cancel shares")),
]
EVENT_FORMS = {
    ShareEvent.Kind.ISSUE: IssueForm,
    ShareEvent.Kind.TRANSFER: TransferForm,
    ShareEvent.Kind.INHERITANCE: InheritanceForm,
    ShareEvent.Kind.SPLIT: SplitForm,
    ShareEvent.Kind.MERGE: MergeForm,
    ShareEvent.Kind.CANCELLATION: CancellationForm,
}


def _record_event(kind: str, form, household: Household | None, association: Organisation, user) -> ShareEvent | None:
    data = form.cleaned_data
    common = {"effective_date": data["effective_date"], "note": data["note"], "recorded_by": user}
    if kind == ShareEvent.Kind.ISSUE:
        return services.issue_shares(
            association=association,
            household=household,
            share_type=data["share_type"],
            quantity=data["quantity"],
            **common,
        )
    if kind == ShareEvent.Kind.CANCELLATION:
        return services.cancel_shares(
            association=association,
            household=household,
            share_type=data["share_type"],
            quantity=data["quantity"],
            **common,
        )
    if kind == ShareEvent.Kind.TRANSFER:
        return services.transfer_shares(
            from_household=household,
            to_household=data["to_household"],
            share_type=data["share_type"],
            quantity=data["quantity"],
            **common,
        )
    if kind == ShareEvent.Kind.INHERITANCE:
        return services.record_inheritance(
            deceased=data["deceased"], heir=data["heir"], quantities=form.quantities("inherit"), **common
        )
    if kind == ShareEvent.Kind.SPLIT:
        return services.split_household(
            household=household,
            new_code=data["new_code"],
            new_head=data["new_head"],
            members=list(data["members"]),
            kept=form.quantities("kept"),
            moved=form.quantities("moved"),
            village_group=data["village_group"],
            **common,
        )
    return services.merge_households(absorbed=household, into=data["into"], **common)


def household_event(request, pk: int, kind: str):
    """Record a share event of a household: issue, transfer, inheritance, split, merge or cancellation."""
    household = _household(request, pk)
    _require_change(request, household)
    if kind not in EVENT_FORMS:
        raise Http404
    extra = {}
    if kind in (ShareEvent.Kind.INHERITANCE, ShareEvent.Kind.SPLIT):
        extra["holdings"] = {
            h.share_type_id: h.quantity for h in household_holdings(household=household, as_of=timezone.localdate())
        }
    if kind == ShareEvent.Kind.SPLIT:
        extra["next_code"] = next_household_code(association=household.association)
    form = EVENT_FORMS[kind](request.POST or None, household=household, association=household.association, **extra)
    share_types = {t.pk: t for t in form.share_types}
    if request.method == "POST" and form.is_valid():
        try:
            _record_event(kind, form, household, household.association, request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(kind)s recorded.") % {"kind": ShareEvent.Kind(kind).label})
            return redirect("collective:household-detail", pk=household.pk)
    return _form_page(
        request,
        form=form,
        title=f"{dict(EVENT_KINDS)[kind]} · {household.code}",
        back_url=reverse("collective:household-detail", args=[household.pk]),
        holdings=[
            (share_types[h.share_type_id].name, h.quantity)
            for h in household_holdings(household=household, as_of=timezone.localdate())
        ],
    )


def collective_event(request, kind: str):
    """Issue or cancel shares of the association's own collective holding."""
    association = _kept_association(request)
    if kind not in (ShareEvent.Kind.ISSUE, ShareEvent.Kind.CANCELLATION):
        raise Http404
    form = EVENT_FORMS[kind](request.POST or None, household=None, association=association)
    if request.method == "POST" and form.is_valid():
        try:
            _record_event(kind, form, None, association, request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("%(kind)s recorded.") % {"kind": ShareEvent.Kind(kind).label})
            return redirect("collective:registry")
    title = _("Issue collective shares") if kind == ShareEvent.Kind.ISSUE else _("Cancel collective shares")
    return _form_page(request, form=form, title=title, back_url=reverse("collective:registry"))


# --- The registry as of a date ------------------------------------------------------------------------


def _registry(request):
    _require_pages(request)
    associations = Organisation.objects.collectives().visible_to(request.user)
    form = AsOfForm(request.GET or None, associations=associations)
    if form.is_bound and form.is_valid():
        as_of = form.cleaned_data["as_of"]
        association = form.cleaned_data.get("association") or associations.first()
    else:
        as_of = timezone.localdate()
        association = associations.first()
        form = AsOfForm(initial={"as_of": as_of, "association": association}, associations=associations)
    if association is None:
        raise Http404
    share_types = list(ShareType.objects.filter(association=association))
    holdings = registry_as_of(association=association, as_of=as_of)
    totals: dict[int, Decimal] = defaultdict(Decimal)
    for holding in holdings:
        totals[holding.share_type_id] += holding.quantity
    return form, association, as_of, share_types, holdings, totals


@require_GET
def registry(request):
    """The association's registry on a date: every holder's shares by type, with the totals."""
    form, association, as_of, share_types, holdings, totals = _registry(request)
    holder_ids: list = list(dict.fromkeys(h.household_id for h in holdings))
    page, query_string = paginate(request, holder_ids, REGISTRY_PAGE_SIZE)
    on_page = set(page.object_list)
    households = Household.objects.select_related("head").in_bulk([pk for pk in on_page if pk is not None])
    rows = registry_rows(holdings=[h for h in holdings if h.household_id in on_page], households=households)
    for row in rows:
        row["cells"] = [row["quantities"].get(t.pk) for t in share_types]
    for share_type in share_types:
        share_type.total = totals.get(share_type.pk)
    return render(
        request,
        "collective/registry.html",
        {
            "form": form,
            "association": association,
            "as_of": as_of,
            "share_types": share_types,
            "rows": rows,
            "page_obj": page,
            "query_string": query_string,
            "weighted_total": sum((totals.get(t.pk, 0) * t.weight for t in share_types), Decimal(0)),
            "holder_count": len(holder_ids),
            "can_change": rules.has_perm("collective.change_registry", request.user, association),
        },
    )


@require_GET
def registry_export(request):
    """The registry on a date as an .xlsx workbook (ID numbers masked, formula-like text escaped)."""
    _form, association, as_of, share_types, holdings, totals = _registry(request)
    households = Household.objects.filter(association=association).select_related("head").in_bulk()
    workbook = registry_workbook(
        association=association,
        as_of=as_of,
        share_types=share_types,
        rows=registry_rows(holdings=holdings, households=households),
        totals=totals,
    )
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    workbook.save(response)
    response["Content-Disposition"] = f'attachment; filename="registry-{association.code}-{as_of.isoformat()}.xlsx"'
    return _no_store(response)


# --- Share types, quantification, import -------------------------------------------------------------


@require_GET
def share_type_list(request):
    _require_pages(request)
    associations = Organisation.objects.collectives().visible_to(request.user)
    share_types = (
        ShareType.objects.visible_to(request.user).filter(association__in=associations).select_related("association")
    )
    return render(
        request,
        "collective/share_type_list.html",
        {"share_types": share_types, "can_change": request.user.is_village_official},
    )


def share_type_edit(request, pk: int | None = None):
    association = _kept_association(request)
    share_type = (
        get_object_or_404(ShareType, pk=pk, association=association) if pk else ShareType(association=association)
    )
    form = ShareTypeForm(request.POST or None, instance=share_type, association=association)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Share type %(name)s saved.") % {"name": share_type.name})
        return redirect("collective:share-type-list")
    title = _("Share type %(name)s") % {"name": share_type.name} if pk else _("New share type")
    return _form_page(request, form=form, title=title, back_url=reverse("collective:share-type-list"))


def _rule(data) -> QuantificationRule:
    return QuantificationRule(
        base_date=data["base_date"],
        population_type=data["population_type"],
        population_per_member=data["population_per_member"],
        labour_type=data["labour_type"],
        labour_from_age=data["labour_from_age"],
        labour_to_age=data["labour_to_age"],
        labour_per_year=data["labour_per_year"],
        collective_type=data["collective_type"],
        collective_quantity=data["collective_quantity"],
    )


def quantify(request):
    """Issue the initial shares from a rule on a base date: preview first, then commit what was checked."""
    association = _kept_association(request)
    form = QuantificationForm(request.POST or None, association=association)
    preview = None
    if request.method == "POST" and form.is_valid():
        rule = _rule(form.cleaned_data)
        try:
            # The apps above refuse a quantification here (membership: only from a final list).
            check_quantification(association=association, rule=rule)
            if request.POST.get("action") == "commit":
                event = services.commit_quantification(
                    association=association,
                    rule=rule,
                    expected_digest=form.cleaned_data["digest"],
                    recorded_by=request.user,
                )
                messages.success(
                    request,
                    _("Shares issued to %(count)d households on %(date)s.")
                    % {"count": event.lines.exclude(household=None).count(), "date": rule.base_date.isoformat()},
                )
                return redirect(f"{reverse('collective:registry')}?as_of={rule.base_date.isoformat()}")
            preview = services.preview_quantification(association=association, rule=rule)
            data = form.data.copy()
            data["digest"] = preview.digest
            form = QuantificationForm(data, association=association)
            form.is_valid()
        except ValidationError as error:
            form.add_error(None, error)
    return render(request, "collective/quantify.html", {"form": form, "preview": preview, "association": association})


@sensitive_post_parameters()
def roster_import(request):
    """Import households, members and opening holdings from a spreadsheet; nothing is written unless all is valid."""
    association = _kept_association(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    errors, result = [], None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = import_roster(
                association=association,
                rows=read_rows(upload, upload.name),
                opening_date=form.cleaned_data["opening_date"],
                recorded_by=request.user,
                check_only=form.cleaned_data["check_only"],
            )
        except RosterInvalid as invalid:
            errors = invalid.errors
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if result.normalised:
                messages.info(
                    request,
                    _(
                        "%(count)d ID or bank account numbers were normalised: full-width characters made "
                        "ordinary, spaces removed, a lower-case x written as X."
                    )
                    % {"count": result.normalised},
                )
            if form.cleaned_data["check_only"]:
                messages.success(
                    request,
                    _("The file is valid: %(households)d households and %(members)d members. Nothing was imported.")
                    % {"households": result.households, "members": result.members},
                )
            else:
                messages.success(
                    request,
                    _("Imported %(households)d households and %(members)d members.")
                    % {"households": result.households, "members": result.members},
                )
                return redirect("collective:household-list")
    share_types = [t for t in ShareType.objects.filter(association=association) if not t.is_collective]
    return render(
        request,
        "collective/import.html",
        {"form": form, "errors": errors, "columns": COLUMNS, "share_types": share_types, "association": association},
    )


@require_GET
def roster_template(request, fmt: str):
    """The import template, with Chinese headers and the association's share types as holdings columns."""
    association = _kept_association(request)
    if fmt not in ("xlsx", "csv"):
        raise Http404
    share_types = list(ShareType.objects.filter(association=association))
    if fmt == "csv":
        response = HttpResponse(template_csv(share_types=share_types), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        template_workbook(share_types=share_types).save(response)
    response["Content-Disposition"] = f'attachment; filename="roster-template-{association.code}.{fmt}"'
    return response


# --- API keys: township officials create and revoke them ------------------------------------------


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


# --- Farmer accounts: an official opens a household member's log-in, or resets its password ---------


def _require_official(request) -> User:
    user = request.user
    if not (is_village_official(user) or is_township_official(user)):
        raise PermissionDenied
    return user


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
    page, _query = paginate(request, accounts)
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
