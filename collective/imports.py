"""Rosters in and out of spreadsheets: the import of households, members and opening holdings, the exports.

The import reads .xlsx or .csv through collective.spreadsheets (streamed, so a file of tens of
thousands of rows is not loaded whole), checks every row, and writes nothing unless the whole file
is valid; a valid file is written in one transaction. One row per member; the household columns
repeat on each member's row (or are left empty after the first), and the opening holdings go on the
head's row.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.utils import get_column_letter
from openpyxl.workbook import Workbook

from collective.crypto import keyed_hash
from collective.identifiers import normalise_identifier
from collective.models import Household, Member, Organisation, ShareEvent, ShareType, User
from collective.resident_id import validate_id_number
from collective.services import Holding, format_shares, member_elsewhere_message
from collective.services.events import _append_event, _Line
from collective.spreadsheets import RowError, SpreadsheetUnreadable, cell_text, normalise_heading, read_sheet, safe_cell


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool
    help: str


# The file layout. Headers are in Chinese, as the village accountants' own rosters are.
COLUMNS = [
    Column(
        "household_code", "户编号", True, _("Household code, unique, e.g. GT01-001. Repeat it on each member's row.")
    ),
    Column("village_group", "村民小组", False, _("Village group of the household, e.g. 一组.")),
    Column("address", "住址", False, _("Address of the household.")),
    Column("established_on", "立户日期", False, _("Date the household was established (YYYY-MM-DD), if known.")),
    Column("bank_name", "开户银行", False, _("Bank of the household's account for payouts.")),
    Column("bank_account", "银行账号", False, _("Bank account number for payouts; format the cell as text.")),
    Column("certificate_number", "股权证号", False, _("Number of the paper share certificate, if there is one.")),
    Column("name", "姓名", True, _("Member's name.")),
    Column("sex", "性别", True, _("男 or 女.")),
    Column("birth_date", "出生日期", True, _("Birth date (YYYY-MM-DD); must match the ID number.")),
    Column("id_number", "身份证号", True, _("18-character resident ID number; format the cell as text.")),
    Column(
        "relation",
        "与户主关系",
        True,
        _("户主 for the head; otherwise 配偶, 子女, 儿媳, 女婿, 孙子女, 父母, 兄弟姐妹, 其他."),
    ),
    Column("phone", "联系电话", False, _("Phone number.")),
    Column("joined_on", "入社日期", False, _("Date the member joined the association (YYYY-MM-DD), if known.")),
]
HOUSEHOLD_KEYS = ("village_group", "address", "established_on", "bank_name", "bank_account", "certificate_number")

SEX_WORDS = {"男": "male", "女": "female", "m": "male", "f": "female", "male": "male", "female": "female"}
RELATION_WORDS = {
    "户主": "head", "本人": "head", "head": "head",
    "配偶": "spouse", "妻": "spouse", "妻子": "spouse", "夫": "spouse", "丈夫": "spouse", "spouse": "spouse",
    "子女": "child", "子": "child", "女": "child", "儿子": "child", "女儿": "child", "长子": "child",
    "次子": "child", "三子": "child", "长女": "child", "次女": "child", "三女": "child", "child": "child",
    "儿媳": "child_in_law", "女婿": "child_in_law", "child_in_law": "child_in_law",
    "孙子女": "grandchild", "孙子": "grandchild", "孙女": "grandchild", "外孙子": "grandchild",
    "外孙女": "grandchild", "grandchild": "grandchild",
    "父母": "parent", "父亲": "parent", "母亲": "parent", "父": "parent", "母": "parent", "parent": "parent",
    "祖父母": "grandparent", "祖父": "grandparent", "祖母": "grandparent", "grandparent": "grandparent",
    "兄弟姐妹": "sibling", "兄": "sibling", "弟": "sibling", "姐": "sibling", "妹": "sibling", "sibling": "sibling",
    "其他": "other", "other": "other",
}  # fmt: skip
DATE_FORMATS = ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日")
PHONE_PATTERN = re.compile(r"^[0-9+\- ]{3,20}$")


class RosterInvalid(Exception):
    """The file has errors; nothing was written."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} errors")
        self.errors = errors


@dataclass
class ParsedMember:
    row: int
    values: dict


@dataclass
class ParsedHousehold:
    code: str
    first_row: int
    values: dict = field(default_factory=dict)
    members: list[ParsedMember] = field(default_factory=list)
    holdings: dict[int, Decimal] = field(default_factory=dict)
    head_rows: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class ImportResult:
    households: int
    members: int
    holding_lines: int
    event: ShareEvent | None
    normalised: int = 0


# --- Reading files ------------------------------------------------------------------------------


def read_rows(uploaded, filename: str) -> Iterator[list]:
    """Yield the cells of each row of an uploaded .xlsx (first sheet) or .csv file, the header first."""
    try:
        for _number, cells in read_sheet(uploaded, filename):
            yield cells
    except SpreadsheetUnreadable as error:
        raise RosterInvalid([RowError(0, "", error.messages[0])]) from error


# --- Parsing cells ------------------------------------------------------------------------------


def _date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    # Excel writes dates to CSV with a time ("1940/2/2 0:00"): the day is what counts.
    text = cell_text(value).split(" ")[0]
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time
        except ValueError:
            continue
    raise ValueError


def _quantity(value) -> Decimal:
    text = cell_text(value) if not isinstance(value, float) else repr(value)
    quantity = Decimal(text)
    if not quantity.is_finite() or quantity < 0 or quantity != quantity.quantize(Decimal("0.0001")):
        raise InvalidOperation
    return quantity


# --- Validation ---------------------------------------------------------------------------------


class RosterValidator:
    """Check a roster row by row, collecting every error; keep what the writer needs."""

    def __init__(self, *, association: Organisation, opening_date: date | None):
        self.association = association
        self.opening_date = opening_date
        self.errors: list[RowError] = []
        self.households: dict[str, ParsedHousehold] = {}
        self.share_types = [t for t in ShareType.objects.filter(association=association) if not t.is_collective]
        self.id_rows: dict[str, int] = {}
        self.existing_ids = set(
            Member.objects.filter(association=association)
            .exclude(id_number_hash="")
            .values_list("id_number_hash", flat=True)
        )
        self.columns: list[tuple[int, Column | ShareType]] = []
        # Members in membership of other associations, by ID hash: a person belongs to one only.
        self.elsewhere = dict(
            Member.objects.filter(ceased_on__isnull=True)
            .exclude(association=association)
            .exclude(id_number_hash="")
            .values_list("id_number_hash", "pk")
        )
        self.normalised = 0  # ID and bank account numbers typed otherwise than stored (full width, spaces, x)

    def error(self, row: int, column: str, message) -> None:
        self.errors.append(RowError(row, column, str(message)))

    def read_header(self, header: Sequence) -> bool:
        by_header = {normalise_heading(column.header): column for column in COLUMNS}
        by_type = {}
        for share_type in self.share_types:
            by_type[normalise_heading(share_type.name)] = share_type
            by_type[normalise_heading(share_type.code)] = share_type
        seen = set()
        for index, cell in enumerate(header):
            text = cell_text(cell)
            if not text:
                continue
            heading = normalise_heading(text)
            target = by_header.get(heading) or by_type.get(heading)
            if target is None:
                self.error(
                    1,
                    text,
                    _(
                        "Unknown column. Use the columns of the template; holdings columns are "
                        "named after this association's share types."
                    ),
                )
                continue
            key = target.key if isinstance(target, Column) else f"share:{target.pk}"
            if key in seen:
                self.error(1, text, _("This column appears twice."))
                continue
            seen.add(key)
            self.columns.append((index, target))
        for column in COLUMNS:
            if column.required and column.key not in seen:
                self.error(1, column.header, _("This required column is missing."))
        return not self.errors

    def read_row(self, number: int, cells: Sequence) -> None:
        values: dict = {}
        holdings: dict[ShareType, Decimal] = {}
        raw = {}
        for index, target in self.columns:
            value = cells[index] if index < len(cells) else None
            if isinstance(target, ShareType):
                if cell_text(value):
                    try:
                        holdings[target] = _quantity(value)
                    except (InvalidOperation, ValueError):
                        self.error(
                            number, target.name, _("Enter a number of shares of at least 0, at most 4 decimals.")
                        )
            else:
                raw[target.key] = value
        if not any(cell_text(value) for value in raw.values()) and not holdings:
            return  # an empty row
        for column in COLUMNS:
            if column.key not in raw:
                continue
            value = raw[column.key]
            parse = getattr(self, f"parse_{column.key}", None)
            if column.required and not cell_text(value):
                self.error(number, column.header, _("This column is required."))
                continue
            if not cell_text(value):
                values[column.key] = None if column.key.endswith("_on") else ""
                continue
            try:
                values[column.key] = parse(value) if parse else cell_text(value)
            except ValidationError as error:
                for message in error.messages:
                    self.error(number, column.header, message)
            except (ValueError, KeyError, InvalidOperation):
                self.error(number, column.header, self.format_hint(column.key))
        self.check_member(number, values, raw)
        code = values.get("household_code")
        if not code:
            return
        household = self.households.get(code)
        if household is None:
            household = self.households[code] = ParsedHousehold(code=code, first_row=number)
        for key in HOUSEHOLD_KEYS:
            value = values.get(key)
            if value in (None, ""):
                continue
            if household.values.get(key) in (None, ""):
                household.values[key] = value
            elif household.values[key] != value:
                header = next(column.header for column in COLUMNS if column.key == key)
                self.error(number, header, _("Differs from the value given on an earlier row of this household."))
        if values.get("relation") == Member.Relation.HEAD:
            household.head_rows.append(number)
        if holdings:
            if values.get("relation") != Member.Relation.HEAD:
                first_type = next(iter(holdings))
                self.error(
                    number, first_type.name, _("Opening holdings go on the row of the head of household (户主) only.")
                )
            for share_type, quantity in holdings.items():
                household.holdings[share_type.pk] = quantity
        household.members.append(ParsedMember(row=number, values=values))

    def format_hint(self, key: str):
        if key in ("birth_date", "joined_on", "established_on"):
            return _("Enter a date such as 1985-03-07.")
        if key == "sex":
            return _("Enter 男 or 女.")
        if key == "relation":
            return _("Unknown relation. Use 户主, 配偶, 子女, 儿媳, 女婿, 孙子女, 父母, 祖父母, 兄弟姐妹 or 其他.")
        if key == "phone":
            return _("Enter a phone number of digits only.")
        return _("This value is not valid.")

    parse_birth_date = staticmethod(_date)
    parse_joined_on = staticmethod(_date)
    parse_established_on = staticmethod(_date)

    @staticmethod
    def parse_sex(value) -> str:
        return SEX_WORDS[cell_text(value).lower()]

    @staticmethod
    def parse_relation(value) -> str:
        return RELATION_WORDS[cell_text(value).lower()]

    @staticmethod
    def parse_phone(value) -> str:
        text = cell_text(value)
        if not PHONE_PATTERN.match(text):
            raise ValueError
        return text

    @staticmethod
    def parse_household_code(value) -> str:
        text = cell_text(value)
        if len(text) > 32:
            raise ValidationError(_("A household code has at most 32 characters."))
        return text

    @staticmethod
    def parse_name(value) -> str:
        text = cell_text(value)
        if len(text) > 64:
            raise ValidationError(_("A name has at most 64 characters."))
        return text

    @staticmethod
    def parse_id_number(value) -> str:
        if isinstance(value, int | float):
            raise ValidationError(
                _("The ID number is stored as a number, so Excel has dropped digits: format the column as text.")
            )
        return cell_text(value)

    @staticmethod
    def parse_bank_account(value) -> str:
        if isinstance(value, int | float):
            raise ValidationError(
                _(
                    "The bank account is stored as a number, so Excel may have dropped digits: "
                    "format the column as text."
                )
            )
        text = normalise_identifier(cell_text(value)).value
        if not (text.isascii() and text.isdigit()) or len(text) > 32:
            raise ValidationError(_("A bank account number is digits only."))
        return text

    def check_member(self, number: int, values: dict, raw: dict) -> None:
        if values.get("bank_account") and values["bank_account"] != cell_text(raw.get("bank_account")):
            self.normalised += 1
        id_number = values.get("id_number")
        if not id_number:
            return
        try:
            check = validate_id_number(id_number, birth_date=values.get("birth_date"))
        except ValidationError as error:
            for message in error.messages:
                self.error(number, "身份证号", message)
            values["id_number"] = None
            return
        values["id_warnings"] = check.warnings
        values["id_number"] = id_number = check.number
        if check.number != cell_text(raw.get("id_number")):
            self.normalised += 1
        digest = keyed_hash(id_number)
        if digest in self.id_rows:
            self.error(number, "身份证号", _("The same ID number is on row %(row)d.") % {"row": self.id_rows[digest]})
        elif digest in self.existing_ids:
            self.error(number, "身份证号", _("A member of this association already has this ID number."))
        elif digest in self.elsewhere:
            other = Member.objects.select_related("association").get(pk=self.elsewhere[digest])
            self.error(number, "身份证号", member_elsewhere_message(other))
        self.id_rows.setdefault(digest, number)
        if values.get("sex") and values["sex"] != check.sex:
            self.error(number, "性别", _("The sex does not match the ID number (its 17th digit)."))

    def check_existing_households(self) -> None:
        codes = list(self.households)
        for start in range(0, len(codes), 500):
            for code in Household.objects.filter(code__in=codes[start : start + 500]).values_list("code", flat=True):
                household = self.households[code]
                self.error(
                    household.first_row,
                    "户编号",
                    _("Household %(code)s exists already; the import only adds new households.") % {"code": code},
                )

    def check_existing_members(self) -> None:
        rows = {keyed_hash(member.values["id_number"]): member.row for member in self.members()}
        digests = list(rows)
        for start in range(0, len(digests), 500):
            for digest in Member.objects.filter(
                association=self.association, id_number_hash__in=digests[start : start + 500]
            ).values_list("id_number_hash", flat=True):
                self.error(rows[digest], "身份证号", _("A member of this association already has this ID number."))

    def members(self) -> Iterator[ParsedMember]:
        for household in self.households.values():
            yield from household.members

    def recheck_after_collision(self) -> None:
        """Check again against what another import, committed meanwhile, has written."""
        self.errors = []
        self.check_existing_households()
        self.check_existing_members()
        self.errors.sort(key=lambda error: error.row)

    def finish(self) -> None:
        self.check_existing_households()
        for household in self.households.values():
            if not household.head_rows:
                self.error(
                    household.first_row,
                    "与户主关系",
                    _("Household %(code)s has no head (户主).") % {"code": household.code},
                )
            elif len(household.head_rows) > 1:
                self.error(
                    household.head_rows[1],
                    "与户主关系",
                    _("Household %(code)s has more than one head (户主).") % {"code": household.code},
                )
            established = household.values.get("established_on")
            if household.holdings and self.opening_date is None:
                self.error(household.first_row, "", _("Give the date of the opening holdings."))
            elif household.holdings and established and established > self.opening_date:
                self.error(
                    household.first_row,
                    "立户日期",
                    _("The household was established after the date of the opening holdings."),
                )
        if not self.households and not self.errors:
            self.error(0, "", _("The file has no rows to import."))
        self.errors.sort(key=lambda error: error.row)


def validate_roster(
    *, association: Organisation, rows: Iterable[Sequence], opening_date: date | None
) -> RosterValidator:
    """Check every row of a roster; the result holds the errors (empty when the file is valid)."""
    validator = RosterValidator(association=association, opening_date=opening_date)
    rows = iter(rows)
    header = next(rows, None)
    if header is None:
        validator.error(0, "", _("The file is empty."))
        return validator
    if not validator.read_header(header):
        return validator
    for number, cells in enumerate(rows, start=2):
        validator.read_row(number, cells)
    validator.finish()
    return validator


@transaction.atomic
def import_roster(
    *,
    association: Organisation,
    rows: Iterable[Sequence],
    opening_date: date | None,
    recorded_by: User | None = None,
    check_only: bool = False,
) -> ImportResult:
    """Import households, members and opening holdings; raise RosterInvalid (writing nothing) on any bad row."""
    validator = validate_roster(association=association, rows=rows, opening_date=opening_date)
    if validator.errors:
        raise RosterInvalid(validator.errors)
    parsed = list(validator.households.values())
    member_count = sum(len(household.members) for household in parsed)
    if check_only:
        return ImportResult(
            households=len(parsed),
            members=member_count,
            holding_lines=0,
            event=None,
            normalised=validator.normalised,
        )
    try:
        # Two imports of the same file at the same moment both pass the checks above; the second
        # then meets the database's unique household codes and ID numbers, and gets the same
        # answer as if it had come a moment later.
        with transaction.atomic():
            return _write_roster(
                association=association,
                parsed=parsed,
                opening_date=opening_date,
                recorded_by=recorded_by,
                normalised=validator.normalised,
            )
    except IntegrityError as error:
        validator.recheck_after_collision()
        if not validator.errors:
            raise
        raise RosterInvalid(validator.errors) from error


def _write_roster(
    *,
    association: Organisation,
    parsed: list[ParsedHousehold],
    opening_date: date | None,
    recorded_by: User | None,
    normalised: int = 0,
) -> ImportResult:
    households = []
    for item in parsed:
        household = Household(
            association=association,
            code=item.code,
            village_group=item.values.get("village_group") or "",
            address=item.values.get("address") or "",
            established_on=item.values.get("established_on"),
            bank_name=item.values.get("bank_name") or "",
            certificate_number=item.values.get("certificate_number") or "",
        )
        household.bank_account = item.values.get("bank_account") or ""
        households.append(household)
    Household.objects.bulk_create(households, batch_size=1000)
    members, heads = [], {}
    for household, item in zip(households, parsed, strict=True):
        for parsed_member in item.members:
            values = parsed_member.values
            member = Member(
                household=household,
                association=association,
                name=values["name"],
                sex=values["sex"],
                birth_date=values["birth_date"],
                phone=values.get("phone") or "",
                relation=values["relation"],
                joined_on=values.get("joined_on"),
            )
            member.id_number = values["id_number"]
            members.append(member)
            if values["relation"] == Member.Relation.HEAD:
                heads[household.code] = member
    Member.objects.bulk_create(members, batch_size=1000)
    for household in households:
        household.head = heads[household.code]
    Household.objects.bulk_update(households, ["head"], batch_size=1000)
    Household.history.bulk_history_create(households, default_user=recorded_by, batch_size=1000)
    Member.history.bulk_history_create(members, default_user=recorded_by, batch_size=1000)
    share_types = ShareType.objects.in_bulk([pk for item in parsed for pk in item.holdings])
    lines = [
        _Line(household, share_types[share_type_id], quantity)
        for household, item in zip(households, parsed, strict=True)
        for share_type_id, quantity in sorted(item.holdings.items())
        if quantity
    ]
    event = None
    if lines:
        event = _append_event(
            association=association,
            kind=ShareEvent.Kind.ISSUE,
            effective_date=opening_date,
            lines=lines,
            note=gettext("Opening holdings imported from a roster"),
            recorded_by=recorded_by,
            details={"source": "import"},
        )
    return ImportResult(
        households=len(households),
        members=len(members),
        holding_lines=len(lines),
        event=event,
        normalised=normalised,
    )


# --- Spreadsheets out ---------------------------------------------------------------------------


# Columns whose digits Excel would otherwise turn into a number and round (18-digit IDs, bank accounts).
TEXT_COLUMNS = ("id_number", "bank_account")
TEMPLATE_ROWS = 1000


def template_workbook(*, share_types: Sequence[ShareType]) -> Workbook:
    """Return the import template: the headers, and a sheet that explains each column.

    The ID and bank columns are formatted as text ("@"), as the instructions ask, both as the column's
    style and on the first rows' cells, so what is typed or pasted there keeps every digit.
    """
    workbook = Workbook()
    roster = workbook.active
    roster.title = gettext("Roster")
    roster.append([column.header for column in COLUMNS] + [t.name for t in share_types if not t.is_collective])
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        roster.column_dimensions[letter].width = 22 if column.key in TEXT_COLUMNS else 14
        if column.key in TEXT_COLUMNS:
            roster.column_dimensions[letter].number_format = "@"
            for row in range(2, TEMPLATE_ROWS + 2):
                roster.cell(row=row, column=index).number_format = "@"
    notes = workbook.create_sheet(gettext("Instructions"))
    notes.append([gettext("Column"), gettext("Required"), gettext("What to enter")])
    for column in COLUMNS:
        notes.append([column.header, gettext("yes") if column.required else gettext("no"), str(column.help)])
    for share_type in share_types:
        if not share_type.is_collective:
            notes.append(
                [
                    share_type.name,
                    gettext("no"),
                    gettext("Opening holding of %(name)s, on the head's row only.") % {"name": share_type.name},
                ]
            )
    notes.append([])
    notes.append([gettext("One row per member. Format the ID number and bank account columns as text.")])
    return workbook


def template_csv(*, share_types: Sequence[ShareType]) -> bytes:
    """Return the import template as CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(
        [column.header for column in COLUMNS] + [t.name for t in share_types if not t.is_collective]
    )
    return codecs.BOM_UTF8 + buffer.getvalue().encode()


def registry_workbook(
    *,
    association: Organisation,
    as_of: date,
    share_types: Sequence[ShareType],
    rows: Sequence[dict],
    totals: dict[int, Decimal],
) -> Workbook:
    """Return the registry as of a date as a workbook: one row per holder, one column per share type."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(gettext("Registry"))
    title = gettext("%(association)s: share registry as of %(date)s")
    sheet.append([safe_cell(title % {"association": association.name, "date": as_of.isoformat()})])
    sheet.append(
        [gettext("Household code"), gettext("Village group"), gettext("Head of household"), gettext("ID number")]
        + [t.name for t in share_types]
        + [gettext("Weighted shares")]
    )
    for row in rows:
        sheet.append(
            [safe_cell(row["code"]), safe_cell(row["group"]), safe_cell(row["head_name"]), safe_cell(row["masked_id"])]
            + [row["quantities"].get(t.pk) for t in share_types]
            + [row["weighted"]]
        )
    sheet.append([gettext("Total"), "", "", ""] + [totals.get(t.pk, Decimal(0)) for t in share_types])
    return workbook


def registry_rows(*, holdings: Sequence[Holding], households: dict[int, Household]) -> list[dict]:
    """Pivot holdings into one row per holder: {code, group, head_name, masked_id, quantities, weighted}."""
    rows: dict = {}
    for holding in holdings:
        row = rows.get(holding.household_id)
        if row is None:
            household = households.get(holding.household_id)
            head = household.head if household else None
            row = rows[holding.household_id] = {
                "household_id": holding.household_id,
                "code": holding.household_code or "",
                "group": household.village_group if household else "",
                "head_name": head.name
                if head
                else ("" if household else gettext("Collective holding of the association")),
                "masked_id": head.masked_id_number if head else "",
                "quantities": {},
                "weighted": Decimal(0),
            }
        row["quantities"][holding.share_type_id] = holding.quantity
        row["weighted"] += holding.quantity * holding.weight
    return list(rows.values())


__all__ = [
    "COLUMNS",
    "ImportResult",
    "RosterInvalid",
    "format_shares",
    "import_roster",
    "read_rows",
    "registry_rows",
    "registry_workbook",
    "template_csv",
    "template_workbook",
    "validate_roster",
]
