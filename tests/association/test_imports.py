from datetime import date
from io import BytesIO

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from association import services
from association.imports import RowError, import_attendance, import_harvests
from association.models import Attendance, Harvest, TrainingSession

HARVEST_HEADER = ["会员编号", "年度", "品种", "特级果(kg)", "标准果(kg)", "次果(kg)"]


def xlsx(rows: list[list], name: str = "sheet.xlsx") -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(text: str, encoding: str = "utf-8-sig", name: str = "sheet.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(encoding))


def errors(report) -> list[tuple[int, str, str]]:
    return [(e.row, e.column, e.message) for e in report.errors]


def test_a_good_harvest_sheet_is_imported(pear_association, grower_a, grower_b, red_pear, baozhu):
    upload = xlsx(
        [
            HARVEST_HEADER,
            [grower_a.code, 2024, "云南红梨", 1200, 3400.0, 500],
            [None, None, None, None, None, None],
            [grower_b.code.lower(), "2024", "宝珠梨", "1,000", 0, 0],
        ]
    )
    report = import_harvests(association=pear_association, upload=upload)
    assert report.ok, report.errors
    assert (report.rows, report.created, report.updated) == (2, 2, 0)
    assert Harvest.objects.totals_by_year()[0]["total_kg"] == 1200 + 3400 + 500 + 1000
    # The same sheet again changes nothing; a corrected figure updates its row.
    again = xlsx([HARVEST_HEADER, [grower_a.code, 2024, "云南红梨", 1300, 3400, 500]])
    report = import_harvests(association=pear_association, upload=again)
    assert (report.created, report.updated) == (0, 1)
    assert Harvest.objects.get(grower=grower_a).premium_kg == 1300


def test_a_csv_from_chinese_excel_in_gb18030_with_english_headers(pear_association, grower_a, red_pear):
    text = f"grower,season,cultivar,premium_kg,standard_kg,substandard_kg\r\n{grower_a.code},2023,云南红梨,10,20,30\r\n"
    report = import_harvests(association=pear_association, upload=csv_file(text, "gb18030"))
    assert report.ok, report.errors
    assert Harvest.objects.get().total_kg == 60


def test_a_harvest_sheet_with_bad_rows_writes_nothing_and_reports_every_row(
    pear_association, grower_a, grower_b, other_grower, red_pear
):
    upload = xlsx(
        [
            HARVEST_HEADER,
            [grower_a.code, 2024, "云南红梨", 100, 200, 300],  # row 2: good
            ["NOBODY", 2024, "云南红梨", 1, 1, 1],  # row 3: unknown grower
            [grower_b.code, "去年", "云南红梨", 1, 1, 1],  # row 4: bad season
            [grower_b.code, 2024, "苹果", 1, 1, 1],  # row 5: unknown cultivar
            [grower_b.code, 2023, "云南红梨", -5, 1.5, "abc"],  # row 6: three bad quantities
            [grower_b.code, 2022, "云南红梨", 0, 0, 0],  # row 7: nothing harvested
            [grower_a.code, 2024, "云南红梨", 1, 1, 1],  # row 8: duplicate of row 2
            [other_grower.code, 2024, "云南红梨", 1, 1, 1],  # row 9: another association's grower
        ]
    )
    report = import_harvests(association=pear_association, upload=upload)
    assert not report.ok
    assert errors(report) == [
        (3, "会员编号", "No grower with code NOBODY."),
        (4, "年度", "Enter the season as a year, such as 2024."),
        (5, "品种", "No cultivar named 苹果."),
        (6, "特级果(kg)", "A quantity cannot be negative."),
        (6, "标准果(kg)", "Enter whole kilograms."),
        (6, "次果(kg)", "Enter a number of kilograms."),
        (7, "特级果(kg)", "Enter the kilograms of at least one grade."),
        (8, "会员编号", "Same grower, season and cultivar as row 2."),
        (9, "会员编号", f"No grower with code {other_grower.code}."),
    ]
    assert not Harvest.objects.exists()


def test_the_errors_are_reported_in_chinese_by_default(pear_association, grower_a, red_pear):
    from django.utils import translation

    with translation.override("zh-hans"):
        report = import_harvests(
            association=pear_association, upload=xlsx([HARVEST_HEADER, ["NOBODY", 2024, "云南红梨", 1, 1, 1]])
        )
    assert report.errors[0].message == "没有编号为 NOBODY 的会员。"


def test_a_sheet_without_a_needed_column_is_refused(pear_association, grower_a):
    report = import_harvests(
        association=pear_association, upload=xlsx([["会员编号", "年度", "品种"], [grower_a.code, 2024, "云南红梨"]])
    )
    assert [e.column for e in report.errors] == ["特级果(kg)", "标准果(kg)", "次果(kg)"]
    assert {e.row for e in report.errors} == {1}
    assert not Harvest.objects.exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused(pear_association):
    report = import_harvests(association=pear_association, upload=SimpleUploadedFile("x.xlsx", b"not a zip"))
    assert not report.ok
    assert report.errors[0].row == 0
    report = import_harvests(association=pear_association, upload=SimpleUploadedFile("x.pdf", b"%PDF"))
    assert report.errors[0].message == "Upload an .xlsx or .csv file."


def test_an_attendance_sheet_marks_growers_present(pear_association, session, grower_a, grower_b):
    services.record_attendance(session=session, growers=[grower_a])
    upload = xlsx([["培训编号", "会员编号"], [session.code, grower_a.code], [session.code, grower_b.code]])
    report = import_attendance(association=pear_association, upload=upload)
    assert report.ok, report.errors
    assert (report.created, report.unchanged) == (1, 1)
    assert set(session.attendees.all()) == {grower_a, grower_b}


def test_an_attendance_sheet_with_bad_rows_writes_nothing(pear_association, session, grower_a, grower_b, other_grower):
    later = services.create_training_session(
        association=pear_association,
        held_on=date(2024, 8, 1),
        topic=TrainingSession.Topic.HARVEST,
        trainer="专家",
        place="甘田",
    )
    text = (
        "培训编号,会员编号\n"
        f"{session.code},{grower_a.code}\n"
        f"{later.code},{grower_b.code}\n"
        f"T1999-001,{grower_a.code}\n"
        f"{session.code},{other_grower.code}\n"
        f"{session.code},{grower_a.code}\n"
        ",\n"
        f",{grower_b.code}\n"
    )
    report = import_attendance(association=pear_association, upload=csv_file(text))
    assert errors(report) == [
        (4, "培训编号", "No training session with code T1999-001."),
        (5, "会员编号", f"No grower with code {other_grower.code}."),
        (6, "会员编号", "Same session and grower as row 2."),
        (8, "培训编号", "No training session with code —."),
    ]
    assert not Attendance.objects.exists()


def test_a_long_sheet_reports_every_bad_row(pear_association, grower_a, red_pear):
    sheet = [HARVEST_HEADER] + [[grower_a.code, 1990 + i % 100, "云南红梨", i + 1, 0, 0] for i in range(2_000)]
    report = import_harvests(association=pear_association, upload=xlsx(sheet))
    assert report.rows == 2_000
    assert len(report.errors) == 1_900
    assert report.errors[0] == RowError(102, "会员编号", "Same grower, season and cultivar as row 2.")
    assert report.errors[-1] == RowError(2_001, "会员编号", "Same grower, season and cultivar as row 1901.")
    assert not Harvest.objects.exists()
