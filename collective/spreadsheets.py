"""Spreadsheets in and out: reading an uploaded .xlsx or .csv row by row, and writing cells safely.

Every import (the roster, parcels and contracts, harvests and attendance, ledger entries) reads its
file through read_sheet, so all of them accept the same files and say the same thing about those
they cannot read. Reading streams: an .xlsx through openpyxl's read-only mode, a .csv through a
decoder over the upload, so a file is never held in memory whole.

An .xlsx is a zip: 10 MB of it can unpack to hundreds of megabytes of XML (millions of rows). Before
openpyxl reads anything, the zip's members are measured by their unpacked size and the sheet by the
row count its dimension declares; while reading, rows past MAX_SHEET_ROWS stop the file (a sheet
may declare a wrong size). So no upload can hold a web process for more than a few seconds.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from openpyxl import load_workbook

# Text that starts with one of these runs as a formula in Excel, WPS and LibreOffice (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
FULL_WIDTH_BRACKETS = str.maketrans({"\uff08": "(", "\uff09": ")"})
CHUNK = 64 * 1024


SHEET_TYPES = (".xlsx", ".csv")
MAX_SHEET_BYTES = 10 * 1024 * 1024
# The largest roster, parcel or ledger file an import takes in one go: a township's nine villages.
MAX_SHEET_ROWS = 50_000
# What an .xlsx may unpack to (its XML, shared strings and styles); 50,000 rows of a roster are ~10 MB.
MAX_UNPACKED_BYTES = 64 * 1024 * 1024


class SpreadsheetUnreadable(ValidationError):
    """The upload is not an .xlsx workbook or .csv text that can be read."""


class SpreadsheetField(forms.FileField):
    """The file of an import form: an .xlsx or .csv of at most 10 MB, refused at once otherwise.

    The browser's file picker offers only those types; read_sheet reads what this lets through.
    """

    default_error_messages = {
        "file_type": _("Upload an .xlsx or .csv file."),
        "too_large": _("The file is larger than 10 MB; split it."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs={"accept": ",".join(SHEET_TYPES)}))
        super().__init__(**kwargs)

    def validate(self, value) -> None:
        super().validate(value)
        if value in self.empty_values:
            return
        if not value.name.lower().endswith(SHEET_TYPES):
            raise ValidationError(self.error_messages["file_type"], code="file_type")
        if value.size > MAX_SHEET_BYTES:
            raise ValidationError(self.error_messages["too_large"], code="too_large")


@dataclass(frozen=True)
class RowError:
    """One problem of an import: the row as people see it (1 is the header, 0 the whole file), the column, why."""

    row: int
    column: str
    message: str


def read_sheet(upload, filename: str | None = None) -> Iterator[tuple[int, list]]:
    """Yield (row number, cells) of the first sheet of an .xlsx file or of a .csv file; row 1 is the header.

    The numbers are those a spreadsheet program shows, blank rows included. Cells of an .xlsx keep
    their types (numbers, dates); cells of a .csv are text, which may be UTF-8 (with or without a
    byte-order mark) or GB 18030, what Excel writes on Chinese Windows. The type comes from
    `filename`, else the upload's name. Iterating raises SpreadsheetUnreadable, in the user's
    language, for a file that is not a readable workbook, not such text, or of another type.
    """
    name = (filename or getattr(upload, "name", None) or "").lower()
    if name.endswith(".xlsx"):
        yield from _xlsx_rows(upload)
    elif name.endswith(".csv"):
        yield from _csv_rows(upload)
    else:
        raise SpreadsheetUnreadable(SpreadsheetField.default_error_messages["file_type"], code="file_type")


def too_many_rows() -> SpreadsheetUnreadable:
    return SpreadsheetUnreadable(
        _("The file has more than %(rows)s rows; split it into smaller files.") % {"rows": f"{MAX_SHEET_ROWS:,}"},
        code="too_many_rows",
    )


def check_xlsx_size(upload) -> None:
    """Refuse a workbook that unpacks to more than MAX_UNPACKED_BYTES, from the zip's directory alone.

    The directory gives each member's unpacked size without unpacking it; Python's zip reader never
    returns more than that size, so a member that lies about it cannot get past.
    """
    upload.seek(0)
    try:
        with zipfile.ZipFile(upload) as archive:
            unpacked = sum(member.file_size for member in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise SpreadsheetUnreadable(_("The file is not a readable .xlsx workbook."), code="not_xlsx") from error
    finally:
        upload.seek(0)
    if unpacked > MAX_UNPACKED_BYTES:
        raise SpreadsheetUnreadable(
            _("The workbook unpacks to %(size)s MB, more than %(limit)s MB; split it into smaller files.")
            % {"size": f"{unpacked / 1024 / 1024:,.0f}", "limit": f"{MAX_UNPACKED_BYTES // 1024 // 1024}"},
            code="too_large_unpacked",
        )


def _xlsx_rows(upload) -> Iterator[tuple[int, list]]:
    unreadable = SpreadsheetUnreadable(_("The file is not a readable .xlsx workbook."), code="not_xlsx")
    check_xlsx_size(upload)
    try:
        # data_only=False: a formula cell reads as its formula ("=SUM(B2:B9)"), so an import can say it is
        # a formula; with the cached values, a formula never computed (written by a program) read as empty.
        workbook = load_workbook(upload, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise unreadable from error
    try:
        try:
            sheet = workbook.worksheets[0]
            declared_rows = sheet.max_row  # from the sheet's <dimension>, read without reading the rows
        except Exception as error:  # a damaged sheet inside a sound zip, or a workbook without a sheet
            raise unreadable from error
        if declared_rows is not None and declared_rows > MAX_SHEET_ROWS:
            raise too_many_rows()
        # Some programs write a wrong sheet size into the file; read-only mode would stop there.
        sheet.reset_dimensions()
        try:
            for number, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                if number > MAX_SHEET_ROWS:
                    raise too_many_rows()
                yield number, list(cells)
        except SpreadsheetUnreadable:
            raise
        except Exception as error:  # a damaged sheet inside a sound zip
            raise unreadable from error
    finally:
        workbook.close()


def _csv_rows(upload) -> Iterator[tuple[int, list]]:
    text = io.TextIOWrapper(upload, encoding=_csv_encoding(upload), newline="")
    try:
        for number, cells in enumerate(csv.reader(text), start=1):
            if number > MAX_SHEET_ROWS:
                raise too_many_rows()
            yield number, cells
    except UnicodeDecodeError as error:
        raise SpreadsheetUnreadable(_("The file is neither UTF-8 nor GB 18030 text."), code="encoding") from error
    except csv.Error as error:
        raise SpreadsheetUnreadable(_("The file is not a readable .csv file."), code="not_csv") from error
    finally:
        text.detach()  # the upload belongs to the caller: do not close it with the wrapper


def _csv_encoding(upload) -> str:
    """utf-8-sig, utf-8 or gb18030, from the byte-order mark or else the first bytes that are not ASCII.

    Both encodings agree on ASCII, so a long ASCII start (an English header, codes, numbers) decides
    nothing; the search goes on in chunks without keeping them.
    """
    upload.seek(0)
    chunk = upload.read(CHUNK)
    if chunk.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    else:
        while chunk and chunk.isascii():
            chunk = upload.read(CHUNK)
        try:
            codecs.getincrementaldecoder("utf-8")().decode(chunk, final=False)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "gb18030"
    upload.seek(0)
    return encoding


def cell_text(value) -> str:
    """A cell as text: "" for an empty cell, "12" for the 12.0 a workbook stores, without surrounding spaces."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def normalise_heading(value) -> str:
    """A column heading to compare: no spaces, lower case, and the full-width brackets of Chinese input as ASCII."""
    return "".join(cell_text(value).split()).translate(FULL_WIDTH_BRACKETS).lower()


def safe_cell(value):
    """A value to write into a spreadsheet: text that would run as a formula gets a leading apostrophe.

    A plain number such as "-12.50" is left alone: it is data, and no spreadsheet runs it.
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value
