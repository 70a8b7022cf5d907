"""Import parcels and contracts from .xlsx or .csv: all or nothing, and every bad row reported.

Each row is read and checked on its own first (row, column, reason); then everything is written in
one transaction through the same services the forms use, so a file obeys exactly the rules a person
typing would. Any error rolls the whole file back. A file that is not a readable spreadsheet raises
collective.spreadsheets.SpreadsheetUnreadable, a ValidationError.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from collective.models import Household, Organisation
from collective.money import yuan_to_fen
from collective.spreadsheets import RowError, cell_text, normalise_heading, read_sheet
from land import services
from land.models import LandTransferContract, Parcel


@dataclass(frozen=True)
class Column:
    key: str
    label: str  # the Chinese heading of the template; either it or the key may head the column
    required: bool = True


@dataclass
class ImportResult:
    created: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


PARCEL_COLUMNS = [
    Column("code", "地块编码"),
    Column("association", "合作社编码"),
    Column("village_group", "村民小组", required=False),
    Column("area_mu", "面积(亩)"),
    Column("land_class", "地类", required=False),
    Column("household", "承包户编码", required=False),
    Column("contract_right_end", "承包期止", required=False),
    Column("note", "备注", required=False),
]

CONTRACT_COLUMNS = [
    Column("number", "合同编号"),
    Column("household", "流出户编码"),
    Column("transferee", "流入方编码", required=False),
    Column("transfer_mode", "流转方式", required=False),
    Column("signed_on", "签订日期", required=False),
    Column("start_date", "起始日期"),
    Column("end_date", "终止日期"),
    Column("rent_per_mu", "保底租金(元/亩/年)"),
    Column("escalation_percent", "递增比例(%)", required=False),
    Column("escalation_every_years", "递增间隔(年)", required=False),
    Column("profit_share", "参与分红", required=False),
    Column("profit_share_weight", "分红权重", required=False),
    Column("payment_due_month", "租金支付月", required=False),
    Column("payment_due_day", "租金支付日", required=False),
    Column("parcel", "地块编码"),
    Column("area_mu", "流转面积(亩)"),
    Column("note", "备注", required=False),
]

# Fields a contract's rows must agree on (one row per parcel).
CONTRACT_LEVEL = [column.key for column in CONTRACT_COLUMNS if column.key not in ("parcel", "area_mu")]

TRUE_WORDS = {"1", "yes", "y", "true", "是", "有", "参与"}
FALSE_WORDS = {"0", "no", "n", "false", "否", "无", "不参与"}


class CellError(Exception):
    pass


def template_csv(columns: list[Column]) -> str:
    """Return the header line of an import file, with the Chinese headings."""
    out = io.StringIO()
    csv.writer(out).writerow([column.label for column in columns])
    return out.getvalue()


def _header_map(header: list, columns: list[Column], errors: list[RowError]) -> dict[str, int]:
    names = {}
    for column in columns:
        names[normalise_heading(column.key)] = column
        names[normalise_heading(column.label)] = column
    positions: dict[str, int] = {}
    for index, heading in enumerate(header):
        column = names.get(normalise_heading(heading))
        if column and column.key not in positions:
            positions[column.key] = index
    for column in columns:
        if column.required and column.key not in positions:
            errors.append(RowError(1, column.label, _("This column is missing.")))
    return positions


def _records(upload, columns: list[Column], errors: list[RowError]) -> list[tuple[int, dict[str, str | object]]]:
    rows = read_sheet(upload)
    header = next(rows, None)
    if header is None:
        errors.append(RowError(1, "", _("The file is empty.")))
        return []
    positions = _header_map(header[1], columns, errors)
    if errors:
        return []
    records = []
    for number, cells in rows:
        if all(cell_text(cell) == "" for cell in cells):
            continue
        record = {key: cells[index] if index < len(cells) else None for key, index in positions.items()}
        records.append((number, record))
    if not records:
        errors.append(RowError(2, "", _("The file has no rows under its header.")))
    return records


def _yuan(value) -> int | None:
    """An amount in yuan as whole fen, by the one parser of money (collective.money.yuan_to_fen)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        return yuan_to_fen(value)
    except ValidationError as error:
        raise CellError(error.messages[0]) from None


def _decimal(value, *, places: int) -> Decimal | None:
    text = cell_text(value).replace(",", "")
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise CellError(_("“%(value)s” is not a number.") % {"value": text}) from None
    if not number.is_finite() or number != number.quantize(Decimal(1).scaleb(-places)):
        raise CellError(_("Give a number with at most %(places)s decimals.") % {"places": places})
    return number


def _integer(value) -> int | None:
    number = _decimal(value, places=0)
    return None if number is None else int(number)


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    raise CellError(_("“%(value)s” is not a date like 2024-07-01.") % {"value": text})


CHINESE_CHOICES = {
    "耕地": Parcel.LandClass.ARABLE,
    "园地": Parcel.LandClass.ORCHARD,
    "果园": Parcel.LandClass.ORCHARD,
    "林地": Parcel.LandClass.FOREST,
    "建设用地": Parcel.LandClass.CONSTRUCTION,
    "其他": Parcel.LandClass.OTHER,
    "出租": LandTransferContract.TransferMode.LEASE,
    "入股": LandTransferContract.TransferMode.SHAREHOLDING,
    "转包": LandTransferContract.TransferMode.SUBCONTRACT,
}


def _choice(value, choices) -> str | None:
    """Accept a choice by its key, its Chinese name or its label in the current language."""
    text = cell_text(value)
    if not text:
        return None
    keys = {key for key, _label in choices}
    if text.lower() in keys:
        return text.lower()
    if CHINESE_CHOICES.get(text) in keys:
        return CHINESE_CHOICES[text]
    for key, label in choices:
        if text == str(label):
            return key
    names = "、".join(name for name, key in CHINESE_CHOICES.items() if key in keys)
    raise CellError(_("“%(value)s” is not one of: %(choices)s.") % {"value": text, "choices": names})


def _boolean(value) -> bool | None:
    text = cell_text(value).lower()
    if not text:
        return None
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise CellError(_("Write 是 or 否."))


class _Row:
    """Parse the cells of one row, collecting every cell's error under its column heading."""

    def __init__(self, number: int, record: dict, columns: list[Column], errors: list[RowError]):
        self.number = number
        self.record = record
        self.labels = {column.key: column.label for column in columns}
        self.required = {column.key for column in columns if column.required}
        self.errors = errors
        self.failed = False

    def error(self, key: str, message: str) -> None:
        self.errors.append(RowError(self.number, self.labels.get(key, key), str(message)))
        self.failed = True

    def get(self, key: str, parse=cell_text, **kwargs):
        try:
            value = parse(self.record.get(key), **kwargs)
        except CellError as error:
            self.error(key, str(error))
            return None
        if key in self.required and value in (None, ""):
            self.error(key, _("This cell is empty."))
        return value


def _service_errors(row: int, error: ValidationError, labels: dict[str, str], errors: list[RowError]) -> None:
    if not hasattr(error, "error_dict"):
        errors.extend(RowError(row, "", message) for message in error.messages)
        return
    for key, field_errors in error.message_dict.items():
        for message in field_errors:
            errors.append(RowError(row, labels.get(key, "" if key == "__all__" else key), message))


def import_parcels(*, upload, user) -> ImportResult:
    """Create or update parcels from a file; all or nothing. Rows are matched to parcels by code."""
    result = ImportResult()
    errors = result.errors
    records = _records(upload, PARCEL_COLUMNS, errors)
    visible = Organisation.objects.collectives().visible_to(user)
    associations = {association.code: association for association in visible}
    parsed = []
    seen: dict[str, int] = {}
    for number, record in records:
        row = _Row(number, record, PARCEL_COLUMNS, errors)
        code = row.get("code")
        association = None
        association_code = row.get("association")
        if association_code:
            association = associations.get(association_code)
            if association is None:
                row.error("association", _("No association %(code)s that you keep.") % {"code": association_code})
        area = row.get("area_mu", _decimal, places=4)
        land_class = row.get("land_class", _choice, choices=Parcel.LandClass.choices) or Parcel.LandClass.ARABLE
        household = None
        household_code = row.get("household")
        if household_code and association:
            household = Household.objects.filter(code=household_code, association=association).first()
            if household is None:
                row.error(
                    "household",
                    _("No household %(code)s in association %(association)s.")
                    % {"code": household_code, "association": association.code},
                )
        right_end = row.get("contract_right_end", _date)
        if code and code in seen:
            row.error("code", _("Parcel %(code)s is also on row %(row)s.") % {"code": code, "row": seen[code]})
        elif code:
            seen[code] = number
        if code:
            existing = Parcel.objects.filter(code=code).first()
            if existing and existing.association.code not in associations:
                row.error("code", _("Parcel %(code)s belongs to an association you do not keep.") % {"code": code})
        if row.failed:
            continue
        parsed.append(
            (
                number,
                {
                    "code": code,
                    "association": association,
                    "village_group": row.get("village_group"),
                    "area_mu": area,
                    "land_class": land_class,
                    "contract_household": household,
                    "contract_right_end": right_end,
                    "note": row.get("note"),
                },
            )
        )
    if errors:
        return result
    labels = {column.key: column.label for column in PARCEL_COLUMNS} | {"contract_household": "承包户编码"}
    with transaction.atomic():
        for number, values in parsed:
            parcel = Parcel.objects.filter(code=values["code"]).first() or Parcel(code=values["code"])
            if parcel.pk and parcel.association_id != values["association"].pk:
                errors.append(
                    RowError(number, labels["association"], _("A parcel cannot move to another association."))
                )
                continue
            for key, value in values.items():
                setattr(parcel, key, value)
            try:
                services.save_parcel(parcel=parcel)
            except ValidationError as error:
                _service_errors(number, error, labels, errors)
                continue
            result.created += 1
        if errors:
            transaction.set_rollback(True)
            result.created = 0
    return result


def import_contracts(*, upload, user, today: date | None = None) -> ImportResult:
    """Create contracts from a file, one row per parcel; rows with a signing date are signed too."""
    today = today or timezone.localdate()
    result = ImportResult()
    errors = result.errors
    records = _records(upload, CONTRACT_COLUMNS, errors)
    associations = list(Organisation.objects.collectives().visible_to(user).order_by("code"))
    companies = {company.code: company for company in Organisation.objects.companies()}
    if user.role == "accountant":
        companies = {code: company for code, company in companies.items() if company.pk == user.organisation_id}
    contracts: dict[str, dict] = {}
    for number, record in records:
        row = _Row(number, record, CONTRACT_COLUMNS, errors)
        contract_number = row.get("number")
        household = None
        household_code = row.get("household")
        if household_code:
            household = Household.objects.filter(code=household_code, association__in=associations).first()
            if household is None:
                row.error(
                    "household", _("No household %(code)s in the associations you keep.") % {"code": household_code}
                )
        transferee_code = row.get("transferee")
        transferee = None
        if transferee_code:
            transferee = companies.get(transferee_code)
            if transferee is None:
                row.error("transferee", _("No company %(code)s.") % {"code": transferee_code})
        elif len(companies) == 1:
            transferee = next(iter(companies.values()))
        else:
            row.error("transferee", _("Say which company takes the land."))
        rent = row.get("rent_per_mu", _yuan)
        escalation = row.get("escalation_percent", _decimal, places=4)
        every = row.get("escalation_every_years", _integer)
        if (escalation is None) != (every is None):
            row.error(
                "escalation_every_years", _("Give both the escalation percentage and how often it applies, or neither.")
            )
        profit_share = row.get("profit_share", _boolean)
        weight = row.get("profit_share_weight", _decimal, places=4)
        due_month = row.get("payment_due_month", _integer)
        due_day = row.get("payment_due_day", _integer)
        values = {
            "number": contract_number,
            "household": household,
            "transferee": transferee,
            "transfer_mode": row.get("transfer_mode", _choice, choices=LandTransferContract.TransferMode.choices)
            or LandTransferContract.TransferMode.LEASE,
            "signed_on": row.get("signed_on", _date),
            "start_date": row.get("start_date", _date),
            "end_date": row.get("end_date", _date),
            "rent_per_mu_fen": rent,
            "escalation_percent": escalation,
            "escalation_every_years": every,
            "profit_share": True if profit_share is None else profit_share,
            "profit_share_weight": Decimal(1) if weight is None else weight,
            "payment_due_month": due_month or 12,
            "payment_due_day": due_day or 20,
            "note": row.get("note"),
        }
        parcel = None
        parcel_code = row.get("parcel")
        if parcel_code:
            parcel = Parcel.objects.filter(code=parcel_code, association__in=associations).first()
            if parcel is None:
                row.error("parcel", _("No parcel %(code)s in the associations you keep.") % {"code": parcel_code})
        area = row.get("area_mu", _decimal, places=4)
        if row.failed or not contract_number:
            continue
        entry = contracts.setdefault(contract_number, {"row": number, "values": values, "lines": []})
        if entry["values"] != values:
            differing = [key for key in CONTRACT_LEVEL if entry["values"].get(key) != values.get(key)]
            for key in differing:
                row.error(
                    key,
                    _("Contract %(number)s says otherwise on row %(row)s.")
                    % {"number": contract_number, "row": entry["row"]},
                )
            continue
        entry["lines"].append((number, parcel, area))
    if errors:
        return result
    labels = {column.key: column.label for column in CONTRACT_COLUMNS} | {
        "rent_per_mu_fen": "保底租金(元/亩/年)",
        "parcels": "地块编码",
        "reason": "",
    }
    with transaction.atomic():
        for entry in contracts.values():
            values = dict(entry["values"])
            signed_on = values.pop("signed_on")
            try:
                with transaction.atomic():
                    contract = services.draft_contract(
                        **values, parcels=[(parcel, area) for _row, parcel, area in entry["lines"]]
                    )
                    if signed_on:
                        services.sign_contract(contract=contract, signed_on=signed_on, today=today)
            except ValidationError as error:
                _service_errors(entry["row"], error, labels, errors)
                continue
            result.created += 1
        if errors:
            transaction.set_rollback(True)
            result.created = 0
    return result


def errors_by_row(errors: list[RowError]) -> dict[int, list[RowError]]:
    grouped: dict[int, list[RowError]] = defaultdict(list)
    for error in errors:
        grouped[error.row].append(error)
    return dict(sorted(grouped.items()))


IMPORT_KINDS = {
    "parcels": (gettext_lazy("parcels"), PARCEL_COLUMNS, import_parcels),
    "contracts": (gettext_lazy("contracts"), CONTRACT_COLUMNS, import_contracts),
}
