"""The annual report and a village's year as workbooks and as a Chinese PDF.

Workbooks are written in openpyxl's write-only mode, money as yuan numbers with two decimals beside
nothing else (a reader sums them in Excel), text through safe_cell so nothing runs as a formula.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _
from openpyxl import Workbook

from collective.imports import registry_rows
from collective.models import Household, Member, Organisation, ShareType, User
from collective.services import registry_as_of
from collective.spreadsheets import safe_cell
from desk.dashboards import VillageYear, village_years
from dividends.models import DistributionRun, Payout, Pool
from land.models import LandTransferContract, RentInstallment

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def yuan(fen: int | None) -> Decimal | None:
    """Fen as a yuan number for a spreadsheet cell: 9000000 -> Decimal('90000.00')."""
    return None if fen is None else (Decimal(fen) / 100).quantize(Decimal("0.01"))


def _ratio(value: str | None) -> Decimal | None:
    return None if value is None else Decimal(value)


def _village_columns() -> list[tuple[str, object]]:
    return [
        (_("Code"), lambda v: safe_cell(v.row["association_code"])),
        (_("Association"), lambda v: safe_cell(v.row["association_name"])),
        (_("Revenue (yuan)"), lambda v: yuan(v.row["revenue_fen"])),
        (_("From the company (yuan)"), lambda v: yuan(v.row["income_from_company_fen"])),
        (_("Collective income (yuan)"), lambda v: yuan(v.row["collective_income_fen"])),
        (_("Expenses (yuan)"), lambda v: yuan(v.row["expenses_fen"])),
        (_("Net (yuan)"), lambda v: yuan(v.row["net_fen"])),
        (_("Weak village"), lambda v: _("yes") if v.row["weak_village"] else _("no")),
        (_("Members"), lambda v: v.members),
        (_("Households"), lambda v: v.households),
        (_("Dividends (yuan)"), lambda v: yuan(v.dividends_fen)),
        (_("Dividends per member (yuan)"), lambda v: yuan(v.dividends_per_member_fen)),
        (_("Dividends per household (yuan)"), lambda v: yuan(v.dividends_per_household_fen)),
        (_("Rent (yuan)"), lambda v: yuan(v.rent_fen)),
        (_("Wages (yuan)"), lambda v: yuan(v.wage_fen)),
        (_("Retained by the association (yuan)"), lambda v: yuan(v.retention_fen)),
        (_("Land transferred (mu)"), lambda v: Decimal(v.row["area_transferred_mu"])),
        (_("Land transferred (ha)"), lambda v: v.area_ha),
        (_("Rent due (yuan)"), lambda v: yuan(v.row["rent_due_fen"])),
        (_("Rent paid (yuan)"), lambda v: yuan(v.row["rent_paid_fen"])),
    ]


def _indicator_columns() -> list[tuple[str, object]]:
    return [
        (_("Code"), lambda row: safe_cell(row["association_code"])),
        (_("Association"), lambda row: safe_cell(row["association_name"])),
        (_("Households with a payout"), lambda row: row["households_with_payout"]),
        (_("Households paid"), lambda row: row["households_paid"]),
        (_("Payouts (yuan)"), lambda row: yuan(row["payouts_fen"])),
        (_("Mean payout (yuan)"), lambda row: yuan(row["mean_payout_fen"])),
        (_("Median payout (yuan)"), lambda row: yuan(row["median_payout_fen"])),
        (_("Gini coefficient"), lambda row: _ratio(row["gini"])),
        (_("Top 20 % to bottom 20 %"), lambda row: _ratio(row["top_20_to_bottom_20"])),
        (_("Share of the bottom 40 %"), lambda row: _ratio(row["bottom_40_share"])),
    ]


def annual_report_workbook(*, user: User, year: int) -> Workbook:
    """The annual report as a workbook: the villages' figures, the indicators and the township's totals."""
    report, villages = village_years(user=user, year=year)
    workbook = Workbook(write_only=True)

    sheet = workbook.create_sheet(_("Villages"))
    sheet.append([_("Annual report %(year)s") % {"year": year}])
    columns = _village_columns()
    sheet.append([title for title, _value in columns])
    for village in villages:
        sheet.append([value(village) for _title, value in columns])

    sheet = workbook.create_sheet(_("Indicators"))
    columns = _indicator_columns()
    sheet.append([title for title, _value in columns])
    for village in villages:
        sheet.append([value(village.row) for _title, value in columns])

    township = report["township"]
    if township:
        sheet = workbook.create_sheet(_("Township"))
        sheet.append([_("Figure"), _("Value")])
        for title, value in [
            (_("Associations"), township["associations"]),
            (_("Weak villages"), township["weak_villages"]),
            (_("Revenue (yuan)"), yuan(township["revenue_fen"])),
            (_("From the company (yuan)"), yuan(township["income_from_company_fen"])),
            (_("Collective income (yuan)"), yuan(township["collective_income_fen"])),
            (_("Expenses (yuan)"), yuan(township["expenses_fen"])),
            (_("Net (yuan)"), yuan(township["net_fen"])),
            (_("Land transferred (mu)"), Decimal(township["area_transferred_mu"])),
            (_("Rent due (yuan)"), yuan(township["rent_due_fen"])),
            (_("Rent paid (yuan)"), yuan(township["rent_paid_fen"])),
            (_("Households with a payout"), township["households_with_payout"]),
            (_("Payouts (yuan)"), yuan(township["payouts_fen"])),
            (_("Gini coefficient"), _ratio(township["gini"])),
            (_("Top 20 % to bottom 20 %"), _ratio(township["top_20_to_bottom_20"])),
            (_("Share of the bottom 40 %"), _ratio(township["bottom_40_share"])),
        ]:
            sheet.append([title, value])
    return workbook


def annual_report_pdf(*, user: User, year: int, base_url: str | None = None) -> bytes:
    """The annual report as a Chinese PDF: the township's totals, then each village's figures and indicators."""
    from weasyprint import HTML

    report, villages = village_years(user=user, year=year)
    with translation.override("zh-hans"):
        html = render_to_string("desk/annual_report_pdf.html", {"year": year, "report": report, "villages": villages})
    return HTML(string=html, base_url=base_url).write_pdf()


def village_workbook(*, user: User, association: Organisation, year: int) -> Workbook:
    """What a village hands to an auditor for a year, one sheet each: members, households, the share
    registry at the year's end, contracts, the rent schedule, the payouts of the year's run and the run's
    explanation (its pools). ID numbers are masked."""
    year_end = date(year, 12, 31)
    workbook = Workbook(write_only=True)
    households = list(
        Household.objects.visible_to(user)
        .filter(association=association)
        .select_related("head")
        .annotate(member_count=Count("members"))
        .order_by("code")
    )

    sheet = workbook.create_sheet(_("Members"))
    sheet.append(
        [
            _("Household code"),
            _("Name"),
            _("Sex"),
            _("Birth date"),
            _("ID number"),
            _("Member since"),
            _("Membership ceased on"),
            _("Reason"),
        ]
    )
    for member in (
        Member.objects.visible_to(user)
        .filter(household__association=association)
        .select_related("household")
        .order_by("household__code", "pk")
    ):
        sheet.append(
            [
                safe_cell(member.household.code),
                safe_cell(member.name),
                member.get_sex_display(),
                member.birth_date,
                safe_cell(member.masked_id_number),
                member.joined_on,
                member.ceased_on,
                member.get_cease_reason_display(),
            ]
        )

    sheet = workbook.create_sheet(_("Households"))
    sheet.append([_("Household code"), _("Head of household"), _("Members"), _("Established on"), _("Dissolved on")])
    for household in households:
        sheet.append(
            [
                safe_cell(household.code),
                safe_cell(household.head.name if household.head else ""),
                household.member_count,
                household.established_on,
                household.dissolved_on,
            ]
        )

    share_types = list(ShareType.objects.filter(association=association).order_by("pk"))
    holdings = registry_as_of(association=association, as_of=year_end)
    sheet = workbook.create_sheet(_("Share registry"))
    sheet.append([_("Share registry as of %(date)s") % {"date": year_end.isoformat()}])
    sheet.append([_("Household code"), _("Head of household")] + [t.name for t in share_types] + [_("Weighted shares")])
    for row in registry_rows(holdings=holdings, households={h.pk: h for h in households}):
        sheet.append(
            [safe_cell(row["code"]), safe_cell(row["head_name"])]
            + [row["quantities"].get(t.pk) for t in share_types]
            + [row["weighted"]]
        )

    sheet = workbook.create_sheet(_("Contracts"))
    sheet.append(
        [
            _("Contract number"),
            _("Household code"),
            _("Area (mu)"),
            _("Start date"),
            _("End date"),
            _("Rent per mu (yuan)"),
            _("Escalation (%)"),
            _("Every (years)"),
            _("Profit share"),
            _("Status"),
        ]
    )
    for contract in (
        LandTransferContract.objects.visible_to(user)
        .filter(household__association=association)
        .select_related("household")
        .annotate(area=Sum("lines__area_mu"))
        .order_by("number")
    ):
        sheet.append(
            [
                safe_cell(contract.number),
                safe_cell(contract.household.code),
                contract.area,
                contract.start_date,
                contract.end_date,
                yuan(contract.rent_per_mu_fen),
                contract.escalation_percent,
                contract.escalation_every_years,
                _("yes") if contract.profit_share else _("no"),
                contract.get_status_display(),
            ]
        )

    sheet = workbook.create_sheet(_("Rent schedule"))
    sheet.append([_("Contract number"), _("Household code"), _("Year"), _("Due on"), _("Due (yuan)"), _("Paid (yuan)")])
    for installment in (
        RentInstallment.objects.visible_to(user)
        .filter(contract__household__association=association, year=year)
        .with_paid()
        .select_related("contract__household")
        .order_by("due_date", "contract__number")
    ):
        sheet.append(
            [
                safe_cell(installment.contract.number),
                safe_cell(installment.contract.household.code),
                installment.year,
                installment.due_date,
                yuan(installment.amount_fen),
                yuan(installment.paid_total_fen),
            ]
        )

    _report, villages = village_years(user=user, year=year)
    village: VillageYear | None = next((v for v in villages if v.association_id == association.pk), None)
    run = DistributionRun.objects.filter(pk=village.run_id).first() if village and village.run_id else None
    sheet = workbook.create_sheet(_("Payouts"))
    if run is None:
        sheet.append([_("No distribution of %(year)s has been computed for this association.") % {"year": year}])
    else:
        sheet.append(
            [
                _("Household code"),
                _("Rent (yuan)"),
                _("Land dividend (yuan)"),
                _("Share dividend (yuan)"),
                _("Wages (yuan)"),
                _("Total (yuan)"),
                _("Payment"),
            ]
        )
        for payout in (
            Payout.objects.visible_to(user).filter(run=run, association=association).order_by("household_code")
        ):
            sheet.append(
                [
                    safe_cell(payout.household_code),
                    yuan(payout.rent_fen),
                    yuan(payout.land_dividend_fen),
                    yuan(payout.share_dividend_fen),
                    yuan(payout.wage_fen),
                    yuan(payout.total_fen),
                    payout.get_status_display(),
                ]
            )

    sheet = workbook.create_sheet(_("Explanation"))
    if run is not None:
        title = _("Run #%(number)s of %(year)s, %(status)s")
        sheet.append([title % {"number": run.pk, "year": year, "status": run.get_status_display()}])
        sheet.append([_("Pool"), _("Association"), _("Amount (yuan)"), _("Total weight"), _("Lines")])
        pools = Pool.objects.filter(Q(association__isnull=True) | Q(association=association), run=run)
        for pool in pools.order_by("position", "pk"):
            sheet.append(
                [
                    pool.get_kind_display(),
                    safe_cell(association.name if pool.association_id else ""),
                    yuan(pool.amount_fen),
                    pool.total_weight,
                    pool.lines_count,
                ]
            )
    else:
        sheet.append([_("No distribution of %(year)s has been computed for this association.") % {"year": year}])
    return workbook
