"""Import harvest and attendance sheets (.xlsx or .csv): all or nothing, every bad row reported.

A sheet's first row names the columns, in Chinese or English (see HARVEST_COLUMNS and
ATTENDANCE_COLUMNS). Every row is checked before anything is written; if one row is bad, nothing is
written and each problem is reported with its row number, column and reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils.translation import gettext as _

from association.models import Cultivar, Grower, Harvest, TrainingSession
from association.services import add_attendance, record_harvest
from collective.models import Organisation
from collective.spreadsheets import RowError, SpreadsheetUnreadable, cell_text, normalise_heading, read_sheet

# column key: (header shown to people, other headers accepted)
HARVEST_COLUMNS = {
    "grower": ("会员编号", ("grower", "grower_code", "grower code", "编号")),
    "season": ("年度", ("season", "year", "年份")),
    "cultivar": ("品种", ("cultivar",)),
    "premium_kg": ("特级果(kg)", ("premium_kg", "premium", "特级果", "特级果kg", "特级")),
    "standard_kg": ("标准果(kg)", ("standard_kg", "standard", "标准果", "标准果kg", "一级果", "标准")),
    "substandard_kg": ("次果(kg)", ("substandard_kg", "substandard", "次果", "次果kg", "次级果", "次级")),
}
ATTENDANCE_COLUMNS = {
    "session": ("培训编号", ("session", "session_code", "session code", "training")),
    "grower": ("会员编号", ("grower", "grower_code", "grower code", "编号")),
}


@dataclass
class ImportReport:
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _map_header(cells: list, columns: dict, report: ImportReport) -> dict[str, int]:
    accepted = {}
    for key, (label, aliases) in columns.items():
        for alias in (key, label, *aliases):
            accepted[normalise_heading(alias)] = key
    positions: dict[str, int] = {}
    for index, cell in enumerate(cells):
        key = accepted.get(normalise_heading(cell))
        if key and key not in positions:
            positions[key] = index
    for key, (label, _aliases) in columns.items():
        if key not in positions:
            report.errors.append(RowError(1, label, _("This column is missing from the header row.")))
    return positions


def _rows(upload, columns: dict, report: ImportReport) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (row number, {column key: text}) for each non-blank data row, after checking the header."""
    sheet = read_sheet(upload)
    header = next(sheet, None)
    if header is None:
        report.errors.append(RowError(1, "", _("The file is empty.")))
        return
    positions = _map_header(header[1], columns, report)
    if report.errors:
        return
    for number, cells in sheet:
        values = {key: cell_text(cells[i]) if i < len(cells) else "" for key, i in positions.items()}
        if not any(values.values()):
            continue
        report.rows += 1
        yield number, values


def _whole_kg(text: str) -> int:
    """Parse whole kilograms: '1,234', '1234' or '1234.0'."""
    value = Decimal(text.replace(",", "").replace("\uff0c", "") or "0")
    if value != value.to_integral_value():
        raise ValueError(_("Enter whole kilograms."))
    if value < 0:
        raise ValueError(_("A quantity cannot be negative."))
    return int(value)


def import_harvests(*, association: Organisation, upload) -> ImportReport:
    """Import a harvest sheet, every row or none; a row for a known grower, season and cultivar corrects it."""
    report = ImportReport()
    growers = {g.code.upper(): g for g in Grower.objects.filter(association=association)}
    cultivars = {c.name: c for c in Cultivar.objects.all()}
    labels = {key: label for key, (label, _aliases) in HARVEST_COLUMNS.items()}
    parsed, seen = [], {}
    try:
        for number, values in _rows(upload, HARVEST_COLUMNS, report):
            row_errors = []
            grower = growers.get(values["grower"].upper())
            if not values["grower"]:
                row_errors.append(RowError(number, labels["grower"], _("The grower code is empty.")))
            elif grower is None:
                row_errors.append(
                    RowError(number, labels["grower"], _("No grower with code %(code)s.") % {"code": values["grower"]})
                )
            season = None
            try:
                year = Decimal(values["season"])
                if year != year.to_integral_value() or not 1990 <= year <= 2100:
                    raise ValueError
                season = int(year)
            except (InvalidOperation, ValueError):
                row_errors.append(RowError(number, labels["season"], _("Enter the season as a year, such as 2024.")))
                season = None
            cultivar = cultivars.get(values["cultivar"])
            if cultivar is None:
                row_errors.append(
                    RowError(
                        number,
                        labels["cultivar"],
                        _("No cultivar named %(name)s.") % {"name": values["cultivar"] or "—"},
                    )
                )
            kgs = {}
            for key in ("premium_kg", "standard_kg", "substandard_kg"):
                try:
                    kgs[key] = _whole_kg(values[key])
                except ValueError as error:
                    reason = str(error) if error.args else _("Enter whole kilograms.")
                    row_errors.append(RowError(number, labels[key], reason))
                except InvalidOperation:
                    row_errors.append(RowError(number, labels[key], _("Enter a number of kilograms.")))
            if len(kgs) == 3 and not any(kgs.values()):
                row_errors.append(
                    RowError(number, labels["premium_kg"], _("Enter the kilograms of at least one grade."))
                )
            if grower and season and cultivar:
                key = (grower.pk, season, cultivar.pk)
                if key in seen:
                    row_errors.append(
                        RowError(
                            number,
                            labels["grower"],
                            _("Same grower, season and cultivar as row %(row)s.") % {"row": seen[key]},
                        )
                    )
                seen[key] = number
            if row_errors:
                report.errors += row_errors
            else:
                parsed.append((grower, season, cultivar, kgs))
    except SpreadsheetUnreadable as error:
        report.errors.append(RowError(0, "", error.messages[0]))
    if report.errors:
        return report
    existing = {
        (h.grower_id, h.season, h.cultivar_id): (h.premium_kg, h.standard_kg, h.substandard_kg)
        for h in Harvest.objects.filter(grower__association=association)
    }
    with transaction.atomic():
        for grower, season, cultivar, kgs in parsed:
            before = existing.get((grower.pk, season, cultivar.pk))
            after = (kgs["premium_kg"], kgs["standard_kg"], kgs["substandard_kg"])
            if before == after:
                report.unchanged += 1
                continue
            record_harvest(grower=grower, season=season, cultivar=cultivar, **kgs)
            if before is None:
                report.created += 1
            else:
                report.updated += 1
    return report


def import_attendance(*, association: Organisation, upload) -> ImportReport:
    """Import an attendance sheet (session code, grower code per row); write every row or none."""
    report = ImportReport()
    growers = {g.code.upper(): g for g in Grower.objects.filter(association=association)}
    sessions = {s.code.upper(): s for s in TrainingSession.objects.filter(association=association)}
    labels = {key: label for key, (label, _aliases) in ATTENDANCE_COLUMNS.items()}
    by_session: dict[int, list[Grower]] = {}
    seen: dict[tuple[int, int], int] = {}
    try:
        for number, values in _rows(upload, ATTENDANCE_COLUMNS, report):
            row_errors = []
            session = sessions.get(values["session"].upper())
            if session is None:
                row_errors.append(
                    RowError(
                        number,
                        labels["session"],
                        _("No training session with code %(code)s.") % {"code": values["session"] or "—"},
                    )
                )
            grower = growers.get(values["grower"].upper())
            if grower is None:
                row_errors.append(
                    RowError(
                        number, labels["grower"], _("No grower with code %(code)s.") % {"code": values["grower"] or "—"}
                    )
                )
            if session and grower:
                if (session.pk, grower.pk) in seen:
                    row_errors.append(
                        RowError(
                            number,
                            labels["grower"],
                            _("Same session and grower as row %(row)s.") % {"row": seen[(session.pk, grower.pk)]},
                        )
                    )
                seen[(session.pk, grower.pk)] = number
            if row_errors:
                report.errors += row_errors
            else:
                by_session.setdefault(session.pk, []).append(grower)
    except SpreadsheetUnreadable as error:
        report.errors.append(RowError(0, "", error.messages[0]))
    if report.errors:
        return report
    sessions_by_pk = {s.pk: s for s in sessions.values()}
    with transaction.atomic():
        for session_pk, session_growers in by_session.items():
            added = add_attendance(session=sessions_by_pk[session_pk], growers=session_growers)
            report.created += added
            report.unchanged += len(session_growers) - added
    return report
