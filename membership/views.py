"""Membership pages. Thin: scope with `.visible_to`, check a rule, call a service, render.

Officials run a round from its page; farmers read their household's lines of each posting and
object from the portal pages at the end of this module.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collective.models import Household, Member
from collective.rules import is_farmer
from collective.services import QuantificationRule
from collective.shortcuts import add_service_errors, paginate, require_permission
from membership import forms, services
from membership.models import POSTINGS, Entry, Objection, Posting, Restoration, Round, Status

PAGE_SIZE = 100


def _round(request, pk: int) -> Round:
    require_permission(request, "membership.view_rounds")
    return get_object_or_404(Round.objects.visible_to(request.user).select_related("association"), pk=pk)


def _kept_round(request, pk: int) -> Round:
    round_ = _round(request, pk)
    require_permission(request, "membership.change_round", round_)
    return round_


def _back(round_: Round):
    return redirect("membership:round-detail", pk=round_.pk)


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Rounds --------------------------------------------------------------------------------------


@require_GET
def round_list(request):
    require_permission(request, "membership.view_rounds")
    rounds = (
        Round.objects.visible_to(request.user)
        .select_related("association")
        .annotate(
            people=Count("entries", distinct=True),
            postings_count=Count("postings", distinct=True),
        )
    )
    return render(
        request,
        "membership/round_list.html",
        {"rounds": rounds, "can_start": request.user.has_perm("membership.start_round")},
    )


@require_http_methods(["GET", "POST"])
def round_create(request):
    require_permission(request, "membership.start_round")
    form = forms.RoundForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            round_ = services.start_round(
                association=request.user.organisation,
                title=form.cleaned_data["title"],
                base_date=form.cleaned_data["base_date"],
                criteria=form.criteria(),
                started_by=request.user,
                resolution=form.cleaned_data["resolution"],
                resolution_adopted_on=form.cleaned_data["resolution_adopted_on"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("Round started: %(count)d people proposed.") % {"count": round_.entries.count()}
            )
            return _back(round_)
    return render(request, "membership/round_form.html", {"form": form})


@require_GET
def round_detail(request, pk: int):
    round_ = _round(request, pk)
    entries = round_.entries.select_related("member", "household").order_by("household__code", "member_id")
    status = request.GET.get("status", "")
    query = request.GET.get("q", "").strip()
    if status == "overridden":
        entries = entries.exclude(override_status="")
    elif status in Status.values:
        entries = entries.filter(Q(override_status=status) | Q(override_status="", proposed_status=status))
    if query:
        entries = entries.filter(Q(member__name__icontains=query) | Q(household__code__icontains=query))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    postings = list(
        round_.postings.annotate(open_objections=Count("objections", filter=Q(objections__answered_at__isnull=True)))
    )
    counts = round_.entries.aggregate(
        members=Count(
            "pk", filter=Q(override_status=Status.MEMBER) | Q(override_status="", proposed_status=Status.MEMBER)
        ),
        total=Count("pk"),
        overridden=Count("pk", filter=~Q(override_status="")),
    )
    can_change = request.user.has_perm("membership.change_round", round_)
    current = postings[-1] if postings else None
    editable = can_change and not round_.is_completed and len(postings) < POSTINGS and not (current and current.is_open)
    return render(
        request,
        "membership/round_detail.html",
        {
            "round": round_,
            "criteria": round_.criteria.all(),
            "page_obj": page,
            "query_string": params.urlencode(),
            "status": status,
            "q": query,
            "postings": postings,
            "current": current,
            "counts": counts,
            "objections": Objection.objects.filter(posting__round=round_)
            .select_related("household", "entry__member", "posting")
            .order_by("answered_at", "-lodged_at")[:200],
            "can_change": can_change,
            "editable": editable,
            "publish_form": forms.PublishForm() if editable else None,
            "resolution_form": forms.ResolutionForm() if editable and not postings else None,
            "can_complete": can_change
            and not round_.is_completed
            and len(postings) == POSTINGS
            and not postings[-1].is_open,
            "differences": services.registry_differences(round_) if round_.is_completed else [],
        },
    )


@require_POST
def resolution_upload(request, pk: int):
    round_ = _kept_round(request, pk)
    form = forms.ResolutionForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(round_)
    try:
        services.attach_resolution(
            round_=round_,
            resolution=form.cleaned_data["resolution"],
            adopted_on=form.cleaned_data["resolution_adopted_on"],
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Resolution attached."))
    return _back(round_)


@require_GET
def resolution_download(request, pk: int):
    round_ = _round(request, pk)
    if not round_.resolution:
        raise Http404
    return FileResponse(
        round_.resolution.open("rb"), as_attachment=False, filename=round_.resolution.name.rsplit("/", 1)[-1]
    )


@require_http_methods(["GET", "POST"])
def entry_edit(request, pk: int, entry_pk: int):
    round_ = _kept_round(request, pk)
    entry = get_object_or_404(round_.entries.select_related("member", "household"), pk=entry_pk)
    form = forms.EntryForm(
        request.POST or None,
        initial={
            "circumstances": entry.circumstances,
            "override_status": entry.override_status,
            "override_reason": entry.override_reason,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.set_circumstances(entry=entry, circumstances=form.cleaned_data["circumstances"])
                entry.refresh_from_db()
                services.override_entry(
                    entry=entry,
                    status=form.cleaned_data["override_status"],
                    reason=form.cleaned_data["override_reason"],
                    by=request.user,
                )
        except ValidationError as error:
            entry.refresh_from_db()
            add_service_errors(form, error)
        else:
            messages.success(
                request, _("%(name)s: %(status)s.") % {"name": entry.member.name, "status": entry.get_status_display()}
            )
            return _back(round_)
    return render(request, "membership/entry_form.html", {"round": round_, "entry": entry, "form": form})


@require_POST
def posting_publish(request, pk: int):
    round_ = _kept_round(request, pk)
    form = forms.PublishForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back(round_)
    try:
        posting = services.publish_posting(round_=round_, period_days=form.cleaned_data["period_days"], by=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(
            request,
            _("%(posting)s published; open for objections until %(date)s.")
            % {"posting": posting.get_number_display(), "date": posting.closes_on.isoformat()},
        )
    return _back(round_)


def _posting(round_: Round, number: int) -> Posting:
    return get_object_or_404(round_.postings, number=number)


@require_POST
def posting_close(request, pk: int, number: int):
    round_ = _kept_round(request, pk)
    try:
        services.close_posting(posting=_posting(round_, number), by=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("Posting %(number)d closed.") % {"number": number})
    return _back(round_)


@require_GET
def posting_notice(request, pk: int, number: int):
    """The printable notice (公示) of a posting: the list as published, with masked ID numbers."""
    round_ = _round(request, pk)
    posting = _posting(round_, number)
    rows = [{**row, "why": services.row_reason(row)} for row in posting.snapshot]
    return render(
        request,
        "membership/notice.html",
        {
            "round": round_,
            "posting": posting,
            "members": [row for row in rows if row["status"] == Status.MEMBER],
            "others": [row for row in rows if row["status"] != Status.MEMBER],
        },
    )


@require_GET
def posting_compare(request, pk: int, number: int):
    """The changes from the previous posting to this one, side by side."""
    round_ = _round(request, pk)
    if number < 2:
        raise Http404
    later = _posting(round_, number)
    earlier = _posting(round_, number - 1)
    return render(
        request,
        "membership/compare.html",
        {
            "round": round_,
            "earlier": earlier,
            "later": later,
            "changes": services.changes_between(earlier=earlier, later=later),
            "labels": dict(Status.choices),
        },
    )


@require_http_methods(["GET", "POST"])
def objection_paper(request, pk: int):
    """An official records an objection handed in on paper, on behalf of the household."""
    round_ = _kept_round(request, pk)
    posting = services.current_posting(round_)
    if posting is None or not posting.is_open:
        messages.error(request, _("No posting is open for objections."))
        return _back(round_)
    form = forms.PaperObjectionForm(request.POST or None, entries=round_.entries.select_related("member", "household"))
    if request.method == "POST" and form.is_valid():
        household = Household.objects.filter(
            association=round_.association, code=form.cleaned_data["household_code"].strip()
        ).first()
        if household is None:
            form.add_error("household_code", _("No household of this association has this code."))
        else:
            try:
                services.lodge_objection(
                    posting=posting,
                    household=household,
                    entry=form.cleaned_data["entry"],
                    text=form.cleaned_data["text"],
                    by=request.user,
                    on_paper=True,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Objection recorded."))
                return _back(round_)
    return render(request, "membership/objection_paper.html", {"round": round_, "posting": posting, "form": form})


@require_http_methods(["GET", "POST"])
def objection_answer(request, pk: int, objection_pk: int):
    round_ = _kept_round(request, pk)
    objection = get_object_or_404(
        Objection.objects.filter(posting__round=round_).select_related("household", "entry__member", "posting"),
        pk=objection_pk,
    )
    form = forms.AnswerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_objection(
                objection=objection,
                answer=form.cleaned_data["answer"],
                outcome=form.cleaned_data["outcome"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Answer saved; the household sees it in the portal."))
            return _back(round_)
    return render(request, "membership/objection_answer.html", {"round": round_, "objection": objection, "form": form})


@require_POST
def round_complete(request, pk: int):
    round_ = _kept_round(request, pk)
    try:
        services.complete_round(round_=round_, by=request.user)
    except ValidationError as error:
        messages.error(request, _errors(error))
    else:
        messages.success(request, _("The final list has been applied to the registry."))
    return _back(round_)


@require_GET
def certificates_pdf(request, pk: int):
    round_ = _round(request, pk)
    member = request.GET.get("member")
    try:
        pdf = services.render_certificates_pdf(
            round_=round_,
            member_ids=[int(member)] if member and member.isdigit() else None,
            base_url=request.build_absolute_uri("/"),
        )
    except ValidationError as error:
        messages.error(request, _errors(error))
        return _back(round_)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="membership-{round_.association.code}-{round_.base_date}.pdf"'
    return response


@require_http_methods(["GET", "POST"])
def quantify(request, pk: int):
    """Issue the initial shares from this round's final list (the only list a quantification may use)."""
    round_ = _kept_round(request, pk)
    form = forms.RoundQuantificationForm(request.POST or None, association=round_.association)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        rule = QuantificationRule(
            base_date=round_.base_date,
            population_type=data["population_type"],
            population_per_member=data["population_per_member"],
            labour_type=data["labour_type"],
            labour_from_age=data["labour_from_age"],
            labour_to_age=data["labour_to_age"],
            labour_per_year=data["labour_per_year"],
            collective_type=data["collective_type"],
            collective_quantity=data["collective_quantity"],
        )
        try:
            if request.POST.get("action") == "commit":
                services.commit_quantification(
                    round_=round_, rule=rule, expected_digest=data["digest"], by=request.user
                )
                messages.success(request, _("Shares issued from the final list."))
                return redirect(f"{reverse('collective:registry')}?as_of={round_.base_date.isoformat()}")
            preview = services.preview_quantification(round_=round_, rule=rule)
            post = form.data.copy()
            post["digest"] = preview.digest
            form = forms.RoundQuantificationForm(post, association=round_.association)
            form.is_valid()
        except ValidationError as error:
            add_service_errors(form, error)
    return render(request, "membership/quantify.html", {"round": round_, "form": form, "preview": preview})


# --- Restoring a ceased membership ----------------------------------------------------------------


@require_GET
def restoration_list(request):
    """The log of restored memberships, and the village's ceased members who may be restored."""
    require_permission(request, "membership.view_rounds")
    restorations = Restoration.objects.visible_to(request.user).select_related(
        "member__household", "restored_by", "objection__posting__round"
    )
    association = request.user.organisation if request.user.is_village_official else None
    # Years of members who married out or moved away: found by name or household code, a page at a time.
    # The restorations themselves are rare corrections, each with its reason: the log is shown whole.
    query = request.GET.get("q", "").strip()
    page = query_string = None
    if association is not None:
        restorable = services.restorable_members(association)
        if query:
            restorable = restorable.filter(Q(name__icontains=query) | Q(household__code__icontains=query))
        page, query_string = paginate(request, restorable)
    return render(
        request,
        "membership/restoration_list.html",
        {"restorations": restorations, "page_obj": page, "query_string": query_string, "query": query},
    )


@require_http_methods(["GET", "POST"])
def member_restore(request, member_pk: int):
    member = get_object_or_404(Member.objects.visible_to(request.user).select_related("household"), pk=member_pk)
    require_permission(request, "membership.restore_member", member)
    form = forms.RestoreForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        try:
            services.restore_membership(
                member=member,
                reason=form.cleaned_data["reason"],
                objection=form.cleaned_data["objection"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The membership of %(name)s is restored.") % {"name": member.name})
            return redirect("membership:restoration-list")
    return render(request, "membership/member_restore.html", {"member": member, "form": form})


# --- The farmer's pages (portal) -------------------------------------------------------------------


def _farmer_household(request) -> Household:
    if not is_farmer(request.user):
        raise PermissionDenied
    household = Household.objects.visible_to(request.user).select_related("association").first()
    if household is None:
        raise Http404
    return household


@require_GET
def portal_postings(request):
    """The postings of the farmer's association: their household's lines, their objections and the answers."""
    household = _farmer_household(request)
    rounds = Round.objects.visible_to(request.user).order_by("-base_date")[:3]
    cards = []
    for round_ in rounds:
        for posting in round_.postings.order_by("-number"):
            cards.append(
                {
                    "round": round_,
                    "posting": posting,
                    "rows": [
                        {**row, "why": services.row_reason(row)}
                        for row in posting.snapshot
                        if row.get("household_id") == household.pk
                    ],
                    "objections": Objection.objects.visible_to(request.user)
                    .filter(posting=posting)
                    .select_related("entry__member"),
                }
            )
    return render(request, "membership/portal_postings.html", {"household": household, "cards": cards})


@require_http_methods(["GET", "POST"])
def portal_objection(request, posting_pk: int):
    household = _farmer_household(request)
    posting = get_object_or_404(Posting.objects.visible_to(request.user).select_related("round"), pk=posting_pk)
    entries = Entry.objects.visible_to(request.user).filter(round=posting.round).select_related("member", "household")
    form = forms.ObjectionForm(request.POST or None, entries=entries)
    if request.method == "POST" and form.is_valid():
        try:
            services.lodge_objection(
                posting=posting,
                household=household,
                entry=form.cleaned_data["entry"],
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your objection has been sent. The answer will appear on this page."))
            return redirect("membership:portal-postings")
    return render(request, "membership/portal_objection.html", {"posting": posting, "form": form})
