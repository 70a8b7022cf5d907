"""The farmer's portal: on a phone, a household sees its own shares, land and every payout, and objects.

Nothing here decides who sees what: the household comes from Household.objects.visible_to(user)
(a farmer's own, and no other), runs from DistributionRun.objects.visible_to(user), payouts and
objections from their own `.visible_to(user)`. Any id outside those gives 404. The money comes from
dividends.services.build_household_statement, which reads the payout lines and the run's frozen
inputs, so every amount on these pages is a payout line to the fen; the sentences that explain it
are portal/presenters.py's.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collective import views as collective_views
from collective.models import Household, Member, ShareEvent, ShareEventLine, ShareType, User
from collective.rules import is_farmer
from collective.services import household_holdings
from dividends import engine
from dividends import services as dividends
from dividends.models import DistributionRun, Objection, Payout, Pool
from dividends.services.reads import NEWS_EVENTS, mark_news_read
from land.models import LandTransferContract
from portal.forms import ObjectionForm
from portal.presenters import contract_view, home_years, masked_id_number, run_cards, unread_news

# --- Scoping: the farmer and their household ----------------------------------------------------------


def _require_farmer(request) -> User:
    if not is_farmer(request.user):
        raise PermissionDenied
    return request.user


def _household(request, pk: int) -> Household:
    """The farmer's household by id; any other household's id gives 404."""
    user = _require_farmer(request)
    return get_object_or_404(Household.objects.visible_to(user).select_related("association", "head"), pk=pk)


def _own_household(request) -> Household:
    user = _require_farmer(request)
    household = Household.objects.visible_to(user).select_related("association", "head").first()
    if household is None:
        raise Http404
    return household


def _payout_years(user: User, household: Household) -> list[int]:
    """The fiscal years in which the household has a line the farmer may see, newest first."""
    return sorted(
        set(Payout.objects.visible_to(user).filter(household=household).values_list("run__year", flat=True)),
        reverse=True,
    )


# --- Home: the news, then the year's four parts and why (portal/presenters.py) ---------------------


@require_GET
def front_door(request):
    """The site's root: a farmer lands on the portal's home, every other role on its own."""
    if is_farmer(request.user):
        return home(request)
    return collective_views.home(request)


@require_GET
def home(request):
    """The farmer's home: news first, then this year's and last year's money in three incomes."""
    user = _require_farmer(request)
    household = _own_household(request)
    today = timezone.localdate()
    open_notices = DistributionRun.objects.visible_to(user).filter(status=DistributionRun.Status.NOTICE).count()
    return render(
        request,
        "portal/home.html",
        {
            "household": household,
            "news": unread_news(user=user),
            "years": home_years(household=household, today=today),
            "open_notices": open_notices,
        },
    )


@require_POST
def news_read(request, run_pk: int, status: str):
    """Mark a piece of news read, then open what it is about (or go back home)."""
    user = _require_farmer(request)
    run = get_object_or_404(DistributionRun.objects.visible_to(user), pk=run_pk)
    if status not in NEWS_EVENTS:
        raise Http404
    household = _own_household(request)
    mark_news_read(user=user, run=run, event=status)
    target = request.POST.get("then")
    if target == "notice":
        return redirect("portal:notice", household_pk=household.pk)
    if target == "payouts":
        return redirect(reverse("portal:payouts", kwargs={"household_pk": household.pk}) + f"#run-{run.pk}")
    return redirect("portal:home")


# --- My household: members, shares now, share events -----------------------------------------------


@require_GET
def household_detail(request, household_pk: int):
    user = _require_farmer(request)
    household = _household(request, household_pk)
    today = timezone.localdate()
    members = list(Member.objects.visible_to(user).filter(household=household).order_by("ceased_on", "pk"))
    for member in members:
        member.masked_id = masked_id_number(member)
    holdings = household_holdings(household=household, as_of=today)
    names = dict(
        ShareType.objects.visible_to(user)
        .filter(pk__in=[holding.share_type_id for holding in holdings])
        .values_list("pk", "name")
    )
    shares = [
        {
            "name": names.get(holding.share_type_id, holding.share_type_code),
            "quantity": holding.quantity,
            "weight": holding.weight,
            "weighted": holding.quantity * holding.weight,
        }
        for holding in holdings
    ]
    events = (
        ShareEvent.objects.visible_to(user)
        .filter(lines__household=household)
        .distinct()
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ShareEventLine.objects.filter(household=household).select_related("share_type"),
                to_attr="own_lines",
            )
        )
        .order_by("-effective_date", "-pk")
    )
    return render(
        request,
        "portal/household.html",
        {
            "household": household,
            "members": members,
            "shares": shares,
            "weighted_total": sum((row["weighted"] for row in shares), Decimal(0)),
            "events": events,
            "today": today,
            "bank_last4": household.masked_bank_account[-4:] if household.masked_bank_account else "",
        },
    )


# --- My land: contracts, parcels, this year's rent and whether it was paid ------------------------


@require_GET
def land_detail(request, household_pk: int):
    household = _household(request, household_pk)
    today = timezone.localdate()
    # The household's own contracts, found through the household the farmer may see; drafts bind nobody yet.
    contracts = (
        LandTransferContract.objects.filter(household=household)
        .exclude(status=LandTransferContract.Status.DRAFT)
        .select_related("transferee")
        .prefetch_related("lines__parcel")
        .order_by("-start_date", "number")
    )
    views = [contract_view(contract=contract, today=today) for contract in contracts]
    return render(
        request,
        "portal/land.html",
        {
            "household": household,
            "contracts": views,
            "year": today.year,
            "total_mu": sum((view.area_mu for view in views if view.contract.can_be_terminated), Decimal(0)),
        },
    )


# --- My payouts: every year and run, with its parts, status and reasons --------------------------------


def _objections_by_run(user: User, household: Household) -> dict[int, list[Objection]]:
    objections = defaultdict(list)
    for objection in Objection.objects.visible_to(user).filter(household=household).order_by("created_at"):
        objections[objection.run_id].append(objection)
    return objections


@require_GET
def payouts(request, household_pk: int):
    user = _require_farmer(request)
    household = _household(request, household_pk)
    # Every year of the household's published lines, which are the lines its farmer may see
    # (_payout_years), in one batch of queries however many runs and years there are.
    statements = dividends.build_household_statements(household=household)
    objections = _objections_by_run(user, household) if statements else {}
    years = []
    for year in sorted(statements, reverse=True):
        cards = run_cards(statement=statements[year], objections=objections)
        years.append({"year": year, "statement": statements[year], "cards": cards})
    return render(request, "portal/payouts.html", {"household": household, "years": years})


# --- The public notice of my association's current distribution, and objections ----------------------


def _association_pools(run: DistributionRun, household: Household) -> dict[str, Pool]:
    return {pool.kind: pool for pool in run.pools.filter(association_id=household.association_id)}


@require_GET
def notice(request, household_pk: int):
    """The open public notice(s) of the association: its figures, the household's line, the objection button."""
    user = _require_farmer(request)
    household = _household(request, household_pk)
    open_runs = list(
        DistributionRun.objects.visible_to(user)
        .filter(status=DistributionRun.Status.NOTICE)
        .select_related("company")
        .order_by("-year", "-pk")
    )
    statements = dividends.build_household_statements(household=household, years={run.year for run in open_runs})
    objections = _objections_by_run(user, household) if open_runs else {}
    notices = []
    for run in open_runs:
        cards = run_cards(statement=statements[run.year], objections=objections)
        card = next((card for card in cards if card.run.pk == run.pk), None)
        pools = _association_pools(run, household)
        notices.append(
            {
                "run": run,
                "card": card,
                "received": pools.get(engine.POOL_RECEIVED),
                "retention": pools.get(engine.POOL_RETENTION),
                "split": pools.get(engine.POOL_SPLIT),
            }
        )
        # Opening the notice is reading the news of it.
        mark_news_read(user=user, run=run, event=DistributionRun.Status.NOTICE)
    objections = (
        Objection.objects.visible_to(user)
        .filter(household=household)
        .select_related("run", "run__company")
        .order_by("-created_at", "-pk")
    )
    return render(
        request,
        "portal/notice.html",
        {"household": household, "notices": notices, "objections": objections},
    )


@require_http_methods(["GET", "POST"])
def objection_create(request, household_pk: int, run_pk: int):
    """Lodge an objection (异议) to the household's line while the run is in public notice."""
    user = _require_farmer(request)
    household = _household(request, household_pk)
    run = get_object_or_404(DistributionRun.objects.visible_to(user).select_related("company"), pk=run_pk)
    payout = get_object_or_404(Payout.objects.visible_to(user), run=run, household=household)
    if "object" not in run.allowed_steps(user):
        messages.error(request, _("The public notice of this distribution is over: objections are closed."))
        return redirect("portal:notice", household_pk=household.pk)
    form = ObjectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            dividends.lodge_objection(user=user, payout=payout, text=form.cleaned_data["text"])
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("Your objection is lodged. The answer will appear on this page."))
            return redirect("portal:notice", household_pk=household.pk)
    return render(
        request,
        "portal/objection_form.html",
        {"household": household, "run": run, "payout": payout, "form": form},
    )


# --- My statement as a PDF --------------------------------------------------------------------------


@require_GET
def statements(request, household_pk: int):
    user = _require_farmer(request)
    household = _household(request, household_pk)
    return render(request, "portal/statements.html", {"household": household, "years": _payout_years(user, household)})


@require_GET
def statement_pdf(request, household_pk: int, year: int):
    user = _require_farmer(request)
    household = _household(request, household_pk)
    if year not in _payout_years(user, household):
        raise Http404
    statement = dividends.build_household_statement(household=household, year=year)
    response = HttpResponse(dividends.render_statement_pdf(statement=statement), content_type="application/pdf")
    disposition = "attachment" if request.GET.get("download") else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="statement-{household.code}-{year}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
