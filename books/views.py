"""The books' pages. Thin: scope with `.visible_to`, call a service or a report, render or export."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from books import exports, forms, opening_balances, reconciliation, reports, services
from books.chart import BANK, CASH
from books.models import Account, Disclosure, Period, Voucher
from collective.models import Organisation
from collective.shortcuts import require_permission

PAGE_SIZE = 50


def _organisations(request):
    return Organisation.objects.visible_to(request.user).exclude(kind=Organisation.Kind.TOWNSHIP)


def _period_form(request) -> forms.OrganisationPeriodForm:
    """The organisation and period asked for, defaulting to the user's own books and the current year."""
    organisations = _organisations(request)
    today = timezone.localdate()
    default = organisations.filter(pk=request.user.organisation_id).first() or organisations.first()
    end = request.GET.get("end") or today.isoformat()
    try:
        year = date.fromisoformat(end).year
    except ValueError:
        year = today.year
    data = {
        "organisation": request.GET.get("organisation") or (default.pk if default else ""),
        "start": request.GET.get("start") or date(year, 1, 1).isoformat(),
        "end": end,
    }
    return forms.OrganisationPeriodForm(data, organisations=organisations)


def _respond(request, table: exports.Table, context: dict, form) -> HttpResponse:
    """The page, or the same table as .xlsx or .pdf when `?format=` asks for it."""
    file_format = request.GET.get("format")
    name = f"{table.slug}-{table.period.replace(' ', '')}"
    if file_format == "xlsx":
        response = HttpResponse(
            exports.to_xlsx(table), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
        return response
    if file_format == "pdf":
        response = HttpResponse(exports.to_pdf(table), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
        return response
    query = request.GET.copy()
    query.pop("format", None)
    return render(request, "books/report.html", {"table": table, "form": form, "query": query.urlencode(), **context})


def _report(request, build) -> HttpResponse:
    require_permission(request, "books.view_books")
    form = _period_form(request)
    if not form.is_valid():
        return render(request, "books/report.html", {"form": form, "table": None})
    data = form.cleaned_data
    table, context = build(data["organisation"], data["start"], data["end"])
    return _respond(request, table, context, form)


@require_GET
def index(request):
    return redirect("books:voucher-list")


@require_GET
def chart_of_accounts(request):
    def build(organisation, start, end):
        accounts = list(Account.objects.filter(organisation=organisation).select_related("parent").order_by("code"))
        return exports.chart_table(accounts, organisation.name), {"page_title": _("Chart of accounts")}

    return _report(request, build)


@require_GET
def trial_balance(request):
    def build(organisation, start, end):
        report = reports.trial_balance(organisation=organisation, start=start, end=end)
        table = exports.trial_balance_table(report)
        for row in table.rows:
            if row.cells[0]:
                row.link = f"?organisation={organisation.pk}&start={start}&end={end}&account={row.cells[0]}"
        return table, {"page_title": _("Trial balance"), "balanced": report.balances, "ledger_links": True}

    return _report(request, build)


@require_GET
def ledger(request):
    def build(organisation, start, end):
        code = request.GET.get("account") or BANK
        account = get_object_or_404(Account, organisation=organisation, code=code)
        table = exports.ledger_table(reports.account_ledger(account=account, start=start, end=end))
        accounts = Account.objects.filter(organisation=organisation).order_by("code")
        return table, {"page_title": _("Ledgers"), "accounts": accounts, "account": account}

    return _report(request, build)


@require_GET
def journal(request, kind: str):
    code, title = (CASH, _("Cash journal")) if kind == "cash" else (BANK, _("Bank journal"))

    def build(organisation, start, end):
        account = Account.objects.get(organisation=organisation, code=code)
        table = exports.ledger_table(reports.account_ledger(account=account, start=start, end=end), title=title)
        table.slug = f"{kind}-journal"
        return table, {"page_title": title}

    return _report(request, build)


@require_GET
def balance_sheet(request):
    def build(organisation, start, end):
        sheet = reports.balance_sheet(organisation=organisation, as_of=end)
        return exports.balance_sheet_table(sheet), {"page_title": _("Balance sheet"), "balanced": sheet.balances}

    return _report(request, build)


@require_GET
def income_statement(request):
    def build(organisation, start, end):
        statement = reports.income_statement(organisation=organisation, start=start, end=end)
        return exports.income_statement_table(statement), {"page_title": _("Statement of income and its distribution")}

    return _report(request, build)


# --- Vouchers -------------------------------------------------------------------------------------


@require_GET
def voucher_list(request):
    require_permission(request, "books.view_books")
    organisations = _organisations(request)
    vouchers = (
        Voucher.objects.visible_to(request.user)
        .select_related("organisation", "prepared_by", "reviewed_by")
        .order_by("-voucher_date", "-number")
    )
    chosen = request.GET.get("organisation")
    if chosen:
        vouchers = vouchers.filter(organisation_id=chosen)
    status = request.GET.get("status")
    if status in Voucher.Status.values:
        vouchers = vouchers.filter(status=status)
    page = Paginator(vouchers, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "books/voucher_list.html",
        {
            "page": page,
            "query": query.urlencode(),
            "organisations": organisations,
            "chosen": chosen,
            "statuses": Voucher.Status.choices,
            "status": status,
            "may_enter": request.user.has_perm("books.enter_voucher"),
        },
    )


def _line_data(formset) -> list[services.Line]:
    return [
        services.Line(
            account=form.cleaned_data["account"],
            debit_fen=form.cleaned_data["debit"],
            credit_fen=form.cleaned_data["credit"],
            summary=form.cleaned_data.get("summary", ""),
        )
        for form in formset.forms
        if form.cleaned_data.get("account")
    ]


@require_http_methods(["GET", "POST"])
def voucher_new(request):
    require_permission(request, "books.enter_voucher")
    organisations = [o for o in _organisations(request) if services.keeps_books_of(request.user, o)]
    if not organisations:
        raise PermissionDenied
    organisation = next((o for o in organisations if str(o.pk) == request.GET.get("organisation")), organisations[0])
    accounts = Account.objects.filter(organisation=organisation).leaves().select_related("parent__parent")
    if request.method == "POST":
        form = forms.VoucherForm(request.POST, request.FILES)
        formset = forms.VoucherLineFormSet(request.POST, prefix="lines", form_kwargs={"accounts": accounts})
        if form.is_valid() and formset.is_valid():
            try:
                voucher = services.enter_voucher(
                    user=request.user,
                    organisation=organisation,
                    voucher_date=form.cleaned_data["voucher_date"],
                    summary=form.cleaned_data["summary"],
                    attachments=form.cleaned_data["attachments"],
                    scan=form.cleaned_data.get("scan"),
                    lines=_line_data(formset),
                )
            except ValidationError as error:
                form.add_error(None, error)
            else:
                done = _("Voucher %(label)s entered; it waits for review.")
                messages.success(request, done % {"label": voucher.label})
                return redirect("books:voucher-detail", voucher.pk)
    else:
        form = forms.VoucherForm(initial={"voucher_date": timezone.localdate(), "attachments": 0})
        formset = forms.VoucherLineFormSet(
            prefix="lines", form_kwargs={"accounts": accounts}, initial=[{} for _i in range(4)]
        )
    return render(
        request,
        "books/voucher_form.html",
        {"form": form, "formset": formset, "organisation": organisation, "organisations": organisations},
    )


def _visible_voucher(request, pk: int) -> Voucher:
    return get_object_or_404(
        Voucher.objects.visible_to(request.user).select_related(
            "organisation", "prepared_by", "reviewed_by", "posted_by", "reverses"
        ),
        pk=pk,
    )


@require_GET
def voucher_detail(request, pk: int):
    require_permission(request, "books.view_books")
    voucher = _visible_voucher(request, pk)
    lines = list(voucher.lines.select_related("account__parent__parent"))
    user = request.user
    return render(
        request,
        "books/voucher_detail.html",
        {
            "voucher": voucher,
            "lines": lines,
            "debit_total": sum(line.debit_fen for line in lines),
            "credit_total": sum(line.credit_fen for line in lines),
            "reversal": Voucher.objects.filter(reverses=voucher).first(),
            "may_review": voucher.status == Voucher.Status.DRAFT
            and voucher.prepared_by_id != user.pk
            and services.may_review(user, voucher.organisation),
            "may_post": voucher.status == Voucher.Status.REVIEWED
            and services.keeps_books_of(user, voucher.organisation),
            "may_reverse": voucher.is_posted and services.keeps_books_of(user, voucher.organisation),
        },
    )


def _step(request, pk: int, step, done: str):
    voucher = _visible_voucher(request, pk)
    try:
        result = step(user=request.user, voucher=voucher)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("books:voucher-detail", voucher.pk)
    messages.success(request, done % {"label": result.label})
    return redirect("books:voucher-detail", result.pk)


@require_POST
def voucher_review(request, pk: int):
    return _step(request, pk, services.review_voucher, _("Voucher %(label)s reviewed."))


@require_POST
def voucher_post(request, pk: int):
    return _step(request, pk, services.post_voucher, _("Voucher %(label)s posted."))


@require_POST
def voucher_reverse(request, pk: int):
    return _step(request, pk, services.reverse_voucher, _("Reversal %(label)s entered in red; it waits for review."))


@require_http_methods(["GET", "POST"])
def period_close(request):
    require_permission(request, "books.enter_voucher")
    organisations = _organisations(request)
    form = forms.ClosePeriodForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.close_period(
                user=request.user, organisation=data["organisation"], year=data["year"], month=data["month"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(year)s-%(month)02d closed.") % {"year": data["year"], "month": data["month"]}
            )
            return redirect("books:period-close")
    closed = Period.objects.closed().filter(organisation__in=organisations).select_related("organisation", "closed_by")
    return render(request, "books/period_close.html", {"form": form, "closed": closed.order_by("-year", "-month")})


# --- Financial disclosure -------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def disclosure_list(request):
    """Officials: what was published, when and by whom; the keepers publish a quarter that is over."""
    require_permission(request, "books.view_books")
    organisations = _organisations(request)
    form = forms.DisclosureForm(request.POST or None, organisations=organisations)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            disclosure = services.publish_disclosure(
                user=request.user, organisation=data["organisation"], year=data["year"], quarter=data["quarter"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("%(organisation)s: %(year)s Q%(quarter)s published to the members.")
                % {"organisation": disclosure.organisation, "year": disclosure.year, "quarter": disclosure.quarter},
            )
            return redirect("books:disclosure-list")
    disclosures = Disclosure.objects.visible_to(request.user).select_related("organisation", "published_by")
    return render(request, "books/disclosure_list.html", {"form": form, "disclosures": disclosures})


def _farmer(request):
    if not (request.user.is_authenticated and request.user.is_farmer and request.user.household_id):
        raise PermissionDenied
    return request.user


@require_GET
def member_disclosures(request):
    """Members: the quarters their association published, newest first, each with its figures."""
    user = _farmer(request)
    disclosures = Disclosure.objects.visible_to(user).select_related("organisation").order_by("-year", "-quarter")
    chosen = disclosures.filter(pk=request.GET.get("q")).first() if request.GET.get("q") else disclosures.first()
    return render(
        request,
        "books/member_disclosure.html",
        {"disclosures": disclosures, "disclosure": chosen, "association": user.household.association},
    )


@require_http_methods(["GET", "POST"])
def bank_reconciliation(request):
    """Upload a bank statement; see it matched to the bank journal and the 余额调节表."""
    require_permission(request, "books.view_books")
    organisations = _organisations(request)
    form = forms.ReconciliationForm(request.POST or None, request.FILES or None, organisations=organisations)
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            statement = reconciliation.read_statement(upload=data["statement"], filename=data["statement"].name)
            result = reconciliation.reconcile(
                organisation=data["organisation"], statement=statement, start=data["start"], end=data["end"]
            )
        except ValidationError as error:
            form.add_error("statement", error)
    return render(request, "books/reconciliation.html", {"form": form, "result": result})


# --- Opening balances -----------------------------------------------------------------------------


def _kept_organisations(request):
    require_permission(request, "books.enter_voucher")
    kept = [o.pk for o in _organisations(request) if services.keeps_books_of(request.user, o)]
    if not kept:
        raise PermissionDenied
    return Organisation.objects.filter(pk__in=kept).order_by("kind", "code")


@require_GET
def opening_balances_template(request):
    """The template of one organisation's books: its accounts, the amounts to fill in."""
    organisation = get_object_or_404(_kept_organisations(request), pk=request.GET.get("organisation"))
    response = HttpResponse(
        opening_balances.template_xlsx(organisation=organisation),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="opening-balances-{organisation.code}.xlsx"'
    return response


@require_http_methods(["GET", "POST"])
def opening_balances_page(request):
    """The accountant uploads the filled template; every wrong row is said, and nothing is saved until none is."""
    organisations = _kept_organisations(request)
    form = forms.OpeningBalancesForm(request.POST or None, request.FILES or None, organisations=organisations)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            voucher = opening_balances.import_opening_balances(
                user=request.user,
                organisation=data["organisation"],
                year=data["year"],
                upload=data["balances"],
                filename=data["balances"].name,
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(
                request,
                _("The opening balances of %(year)s are posted as voucher %(label)s.")
                % {"year": data["year"], "label": voucher.label},
            )
            query = f"?organisation={data['organisation'].pk}&start={data['year']}-01-01&end={data['year']}-12-31"
            return redirect(reverse("books:trial-balance") + query)
    return render(
        request,
        "books/opening_balances.html",
        {"form": form, "errors": errors, "organisations": organisations},
    )
