"""The farmer's portal: on a phone, a household sees its own shares, land and every payout, and objects.

Nothing here decides who sees what: the household comes from Household.objects.visible_to(user)
(a farmer's own, and no other), runs from DistributionRun.objects.visible_to(user), payouts and
objections from their own `.visible_to(user)`. Any id outside those gives 404. The money and the
reasons for it come from dividends.services.build_household_statement, which reads the payout
lines and the run's frozen inputs, so every amount on these pages is a payout line to the fen.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, Prefetch, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from collective import views as collective_views
from collective.models import Household, Member, ShareEvent, ShareEventLine, ShareType, User
from collective.money import MU_PER_HECTARE, format_yuan
from collective.rules import is_farmer
from collective.services import household_holdings
from dividends import engine
from dividends import services as dividends
from dividends.models import DistributionRun, NoticeRead, Objection, Payout, PayoutPart, Pool
from dividends.services.reads import NEWS_EVENTS, mark_news_read
from dividends.services.statements import HouseholdStatement, StatementRun
from land import services as land
from land.models import LandTransferContract, RentAllocation
from portal.templatetags.portal_tags import amount

MASKED_ID_STARS = 14
OBJECTION_MAX_LENGTH = 500


def _day(value: date | None) -> str:
    """A date as people read it in the current language: 2025年1月13日 / Jan. 13, 2025."""
    return date_format(value) if value else ""


def masked_id_number(member: Member) -> str:
    """The member's ID number with all but the last four characters starred: **************1234."""
    return "*" * MASKED_ID_STARS + member.id_number_last4 if member.id_number_last4 else ""


def hectares(mu: Decimal) -> Decimal:
    return (Decimal(mu) / MU_PER_HECTARE).quantize(Decimal("0.0001"))


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


# --- Home: the year's four parts and why -------------------------------------------------------------


@dataclass(frozen=True)
class Income:
    """One of the four parts of the farmer's year: 租金、土地分红、股金分红 or 薪金 (PayoutPart.Part)."""

    key: str
    label: str
    amount_fen: int
    why: str


@dataclass
class YearSummary:
    year: int
    statement: HouseholdStatement
    label: str
    incomes: list[Income] = field(default_factory=list)
    # The first empty year says once why a year shows nothing yet.
    explain_empty: bool = False

    @property
    def total_fen(self) -> int:
        return self.statement.total_fen

    @property
    def has_runs(self) -> bool:
        return bool(self.statement.runs)


def _regular_entries(statement: HouseholdStatement) -> list[StatementRun]:
    """The runs that explain the year: regular runs not cancelled by a reversal shown in the same year."""
    reversed_ids = {entry.run.reverses_id for entry in statement.runs if entry.run.is_reversal}
    return [entry for entry in statement.runs if not entry.run.is_reversal and entry.run.pk not in reversed_ids]


def _rent_why(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    lines = {(line.contract_number, line.parcel_code): line for entry in entries for line in entry.rent_lines}
    if not lines:
        return _("No land of your household was under a transfer contract in %(year)s.") % {"year": statement.year}
    area = sum((line.area_mu for line in lines.values()), Decimal(0))
    companies = sorted({entry.run.company.name for entry in entries if entry.rent_lines})
    return _(
        "Guaranteed rent for the %(mu)s mu your household transferred to %(company)s, "
        "paid whatever the harvest: area × rent per mu × days in force."  # noqa: RUF001
    ) % {"mu": amount(area), "company": ", ".join(companies)}


def _join_sentences(sentences) -> str:
    """Join sentences the way the language writes them: a space after an English full stop, none after 。."""
    return "".join(text if text.endswith("。") else f"{text} " for text in sentences).strip()


def _no_dividend(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    notes = [note for entry in entries for note in entry.notes]
    if notes:
        return notes[0]
    return _("Your household had no dividend in %(year)s.") % {"year": statement.year}


def _land_dividend_why(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    if not any(entry.land_dividend_fen for entry in entries):
        return _no_dividend(statement, entries)
    return _("Your transferred land earned a part of the company's land profit (the land dividend, 分红).")


def _share_dividend_why(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    sentences = [
        _("Your household's %(weight)s shares of the %(total)s shares in %(association)s share its pool of %(pool)s.")
        % {
            "weight": amount(entry.share.weight),
            "total": amount(entry.share.pool_weight),
            "association": entry.share.association.name,
            "pool": format_yuan(entry.share.pool_fen),
        }
        for entry in entries
        if entry.share and entry.share.amount_fen
    ]
    if not sentences:
        return _no_dividend(statement, entries)
    return _join_sentences(dict.fromkeys(sentences))


def _wages_why(statement: HouseholdStatement, entries: list[StatementRun]) -> str:
    lines = [line for entry in entries for line in entry.wage_lines]
    if not lines:
        return _("No land remediation work of your household was recorded in %(year)s.") % {"year": statement.year}
    days = sum((line.days for line in lines), Decimal(0))
    wages = sorted({line.day_wage_fen for line in lines})
    return _("%(days)s days of land remediation work by your household at %(wage)s a day.") % {
        "days": amount(days),
        "wage": " / ".join(format_yuan(wage) for wage in wages),
    }


def year_summary(*, year: int, label: str, statement: HouseholdStatement) -> YearSummary:
    """The household's year in its four parts, each with a sentence of why (from the published runs)."""
    summary = YearSummary(year=year, statement=statement, label=label)
    if not statement.runs:
        return summary
    entries = _regular_entries(statement) or statement.runs
    why = {
        PayoutPart.Part.RENT: _rent_why,
        PayoutPart.Part.LAND_DIVIDEND: _land_dividend_why,
        PayoutPart.Part.SHARE_DIVIDEND: _share_dividend_why,
        PayoutPart.Part.WAGES: _wages_why,
    }
    summary.incomes = [
        Income(key, name, fen, why[PayoutPart.Part(key)](statement, entries)) for key, name, fen in statement.parts
    ]
    return summary


def home_years(*, household: Household, today: date) -> list[YearSummary]:
    """This year so far and last year; and, when neither has money yet, the latest year that has."""
    years = [
        (today.year, _("%(year)s so far") % {"year": today.year}),
        (today.year - 1, _("Last year, %(year)s") % {"year": today.year - 1}),
    ]
    # Every year's statement at once (a household has a few lines a year): the same queries whichever
    # years turn out to be shown. Its years are those of the household's published lines, the ones
    # its farmer may see (_payout_years).
    statements = dividends.build_household_statements(household=household)
    summaries = [
        year_summary(year=year, label=label, statement=statements.get(year) or HouseholdStatement(household, year))
        for year, label in years
    ]
    if not any(summary.has_runs for summary in summaries):
        earlier = sorted((year for year in statements if year < today.year - 1), reverse=True)
        if earlier:
            summaries.append(
                year_summary(
                    year=earlier[0],
                    label=_("Latest distribution, %(year)s") % {"year": earlier[0]},
                    statement=statements[earlier[0]],
                )
            )
    empty = [summary for summary in summaries if not summary.has_runs]
    if empty:
        empty[0].explain_empty = True
    return summaries


# --- News: a run of my association entered public notice or was paid --------------------------------


@dataclass(frozen=True)
class News:
    run: DistributionRun
    status: str
    text: str
    target: str


def _news_text(run: DistributionRun, status: str, payout: Payout | None) -> str:
    names = {"company": run.company.name, "year": run.year}
    if status == DistributionRun.Status.PAID:
        paid_on = (payout.paid_on if payout else None) or timezone.localtime(run.paid_at).date()
        if payout:
            return _("The %(year)s distribution of %(company)s is paid: %(amount)s to your household on %(date)s.") % {
                **names,
                "amount": format_yuan(payout.total_fen),
                "date": _day(paid_on),
            }
        return _("The %(year)s distribution of %(company)s was paid on %(date)s.") % {**names, "date": _day(paid_on)}
    period = {"start": _day(run.notice_starts_on), "end": _day(run.notice_ends_on)}
    if run.status == DistributionRun.Status.NOTICE:
        return _(
            "The %(year)s distribution of %(company)s is in public notice from %(start)s to %(end)s. "
            "Check your household's line; you may object until %(end)s."
        ) % {**names, **period}
    return _(
        "The %(year)s distribution of %(company)s was in public notice from %(start)s to %(end)s; it is now %(status)s."
    ) % {**names, **period, "status": run.get_status_display()}


def _put_on_notice_since(run: DistributionRun, read_at) -> bool:
    """Whether the run was put on notice (again, after a withdrawal) on a later day than the farmer read the news."""
    return run.notice_starts_on is not None and timezone.localtime(read_at).date() < run.notice_starts_on


def unread_news(*, user: User) -> list[News]:
    """What the home page shows at the top until read: each regular run of the farmer's association that
    entered public notice (shown until read, again when it is put on notice anew) or was paid."""
    runs = list(
        DistributionRun.objects.visible_to(user)
        .filter(kind=DistributionRun.Kind.REGULAR)
        .filter(Q(paid_at__isnull=False) | Q(notice_starts_on__isnull=False))
        .select_related("company")
        .order_by("-year", "-pk")
    )
    if not runs:
        return []
    reads = {
        (read.run_id, read.status): read.read_at
        for read in NoticeRead.objects.of(user).filter(run__in=runs).only("run_id", "status", "read_at")
    }
    payouts = {payout.run_id: payout for payout in Payout.objects.visible_to(user).filter(run__in=runs)}
    news = []
    for run in runs:
        if run.paid_at:
            status, target = DistributionRun.Status.PAID, "payouts"
        else:
            # A notice that is over is read on the payouts page, where the line now stands.
            status = DistributionRun.Status.NOTICE
            target = "notice" if run.status == DistributionRun.Status.NOTICE else "payouts"
        read_at = reads.get((run.pk, status))
        if read_at is not None and (status == DistributionRun.Status.PAID or not _put_on_notice_since(run, read_at)):
            continue
        news.append(News(run=run, status=status, text=_news_text(run, status, payouts.get(run.pk)), target=target))
    return news


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


@dataclass
class ContractView:
    contract: LandTransferContract
    parcels: list
    area_mu: Decimal
    area_ha: Decimal
    rent_per_mu_fen: Decimal | None
    rent_per_mu: str
    this_year: land.ScheduleRow | None
    this_year_paid_on: date | None
    schedule: list


def _yuan_exact(fen: Decimal) -> str:
    """An exact amount in fen as yuan, with more than two decimals only when the escalation makes it so."""
    yuan = Decimal(fen).scaleb(-2)
    text = f"{yuan.normalize():f}"
    if "." not in text or len(text.split(".")[1]) < 2:
        return f"¥{yuan:,.2f}"
    whole, decimals = text.split(".")
    return f"¥{int(whole):,}.{decimals}"


def contract_view(*, contract: LandTransferContract, today: date) -> ContractView:
    year = today.year
    parcels = list(contract.lines.all())
    area = sum((line.area_mu for line in parcels), Decimal(0))
    in_term = contract.start_date.year <= year <= contract.last_day_in_force.year
    rent_year = min(max(year, contract.start_date.year), contract.end_date.year)
    rent_per_mu = land.rent_per_mu_for_year(contract=contract, year=rent_year)
    schedule = land.rent_schedule(contract=contract, today=today)
    this_year = next((row for row in schedule if row.year == year), None) if in_term else None
    paid_on = None
    if this_year is not None and this_year.paid_fen:
        paid_on = RentAllocation.objects.filter(installment__contract=contract, installment__year=year).aggregate(
            last=Max("payment__paid_on")
        )["last"]
    return ContractView(
        contract=contract,
        parcels=parcels,
        area_mu=area,
        area_ha=hectares(area),
        rent_per_mu_fen=rent_per_mu,
        rent_per_mu=_yuan_exact(rent_per_mu),
        this_year=this_year,
        this_year_paid_on=paid_on,
        schedule=schedule,
    )


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


def payout_status(*, run: DistributionRun, payout: Payout | None) -> str:
    """In public notice / approved / paid on a date, as the farmer reads it."""
    if payout is not None and payout.paid_on:
        return _("Paid on %(date)s") % {"date": _day(payout.paid_on)}
    if run.status == DistributionRun.Status.NOTICE:
        return _("In public notice until %(date)s") % {"date": _day(run.notice_ends_on)}
    if payout is not None and payout.company_paid_on:
        return _("Rent, land dividend and wages paid on %(date)s; the share dividend is not paid yet") % {
            "date": _day(payout.company_paid_on)
        }
    if payout is not None and payout.association_paid_on:
        return _("Share dividend paid on %(date)s; rent, land dividend and wages are not paid yet") % {
            "date": _day(payout.association_paid_on)
        }
    if run.status == DistributionRun.Status.APPROVED:
        if run.approved_at:
            return _("Approved on %(date)s, not paid yet") % {"date": _day(timezone.localtime(run.approved_at).date())}
        return _("Approved, not paid yet")
    if run.paid_at:
        return _("Paid on %(date)s") % {"date": _day(timezone.localtime(run.paid_at).date())}
    return run.get_status_display()


@dataclass
class RunCard:
    """One run's line of the household, as the payouts and notice pages show it."""

    entry: StatementRun
    status: str
    objections: list

    @property
    def run(self) -> DistributionRun:
        return self.entry.run

    @property
    def payout(self) -> Payout | None:
        return self.entry.payout


def _objections_by_run(user: User, household: Household) -> dict[int, list[Objection]]:
    objections = defaultdict(list)
    for objection in Objection.objects.visible_to(user).filter(household=household).order_by("created_at"):
        objections[objection.run_id].append(objection)
    return objections


def run_cards(*, statement: HouseholdStatement, objections: dict[int, list[Objection]]) -> list[RunCard]:
    """The year's run cards, from its statement and the household's objections by run (read once a page)."""
    return [
        RunCard(
            entry=entry,
            status=payout_status(run=entry.run, payout=entry.payout),
            objections=objections.get(entry.run.pk, []),
        )
        for entry in statement.runs
    ]


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


class ObjectionForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("What is wrong? Say it in a few words."),
        max_length=OBJECTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": OBJECTION_MAX_LENGTH}),
    )


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
    if run.status != DistributionRun.Status.NOTICE:
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
