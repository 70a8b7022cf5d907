# ruff: noqa: RUF001 - the expected texts are Chinese, with Chinese punctuation
"""Membership identification on a 360-px phone, in Chinese, through Debian's chromium."""

from datetime import date

import pytest
from django.urls import reverse

from collective.models import ShareType
from membership import services
from membership.models import Objection
from tests.browser import check_phone_page, collect_console_errors, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_farmer_objects_to_the_preliminary_list_on_a_phone_and_reads_the_answer(
    page, live_server, round_, village, village_official_a, farmer_a
):
    errors = collect_console_errors(page)
    services.publish_posting(round_=round_, period_days=7, by=village_official_a)
    log_in(page, live_server, farmer_a.username)
    page.click("nav.role-nav a:has-text('成员名单')")
    page.wait_for_load_state("networkidle")
    main = page.locator("main").inner_text()
    assert "第一榜：初步名单(初榜)" in main and "张国华" in main and "王建军" not in main
    check_phone_page(page, "membership-portal-postings")

    page.click("main a[role=button]:has-text('对本名单提出异议')")
    page.wait_for_load_state("networkidle")
    page.select_option("select[name=entry]", label="张明 (A01-001)")
    page.fill("textarea[name=text]", "张明在外读书，户口迁到学校，应保留成员身份。")
    check_phone_page(page, "membership-portal-objection")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    main = page.locator("main").inner_text()
    assert "您的异议已提交" in main and "等待答复。" in main
    objection = Objection.objects.get()
    assert objection.entry.member == village.student

    # The village official answers from the round's page.
    page.context.clear_cookies()
    log_in(page, live_server, village_official_a.username)
    page.goto(f"{live_server.url}{reverse('membership:round-detail', kwargs={'pk': round_.pk})}")
    page.click("main a:has-text('答复')")
    page.wait_for_load_state("networkidle")
    page.check("input[name=outcome][value=upheld]")
    page.fill("textarea[name=answer]", "经核实，在校学生保留成员身份。")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "答复已保存" in page.locator("main").inner_text()

    page.context.clear_cookies()
    log_in(page, live_server, farmer_a.username)
    page.goto(f"{live_server.url}{reverse('membership:portal-postings')}")
    main = page.locator("main").inner_text()
    assert "经核实，在校学生保留成员身份。" in main and "异议成立：名单已更正" in main
    check_phone_page(page, "membership-portal-answer")
    assert errors == []


def test_an_official_cannot_close_a_posting_early_nor_quantify_from_an_open_round(
    page, live_server, round_, village_official_a, association_a
):
    errors = collect_console_errors(page)
    ShareType.objects.create(association=association_a, code="population", name="人口股", weight=1)
    log_in(page, live_server, village_official_a.username)
    page.goto(f"{live_server.url}{reverse('membership:round-detail', kwargs={'pk': round_.pk})}")
    check_phone_page(page, "membership-round")
    page.fill("input[name=period_days]", "7")
    page.click("main button:has-text('今天公示第 1 榜')")
    page.wait_for_load_state("networkidle")
    assert "第一榜：初步名单(初榜)已公示" in page.locator("main").inner_text()
    posting = round_.postings.get()

    page.click("main button:has-text('结束本榜公示')")
    page.wait_for_load_state("networkidle")
    assert f"最早于 {posting.closes_on.isoformat()} 结束" in page.locator("main").inner_text()
    posting.refresh_from_db()
    assert posting.closed_on is None

    page.goto(f"{live_server.url}{reverse('membership:posting-notice', kwargs={'pk': round_.pk, 'number': 1})}")
    check_phone_page(page, "membership-notice")

    page.goto(f"{live_server.url}{reverse('membership:quantify', kwargs={'pk': round_.pk})}")
    page.click("main button:has-text('预览')")
    page.wait_for_load_state("networkidle")
    assert "股权量化只能使用最终成员名单：本轮确认尚未完成。" in page.locator("main").inner_text()
    assert errors == []


def test_an_official_restores_a_membership_ended_by_mistake_on_a_phone(page, live_server, village, village_official_a):
    from collective import services as collective
    from collective.models import Member
    from membership.models import Restoration

    errors = collect_console_errors(page)
    collective.cease_membership(
        member=village.daughter, ceased_on=date(2024, 3, 1), reason=Member.CeaseReason.MOVED_AWAY
    )
    log_in(page, live_server, village_official_a.username)
    page.goto(f"{live_server.url}{reverse('membership:round-list')}")
    page.click("main a:has-text('恢复成员身份')")
    page.wait_for_load_state("networkidle")
    check_phone_page(page, "membership-restorations")
    page.click("main tr:has-text('王芳') a:has-text('恢复')")
    page.wait_for_load_state("networkidle")
    page.fill("textarea[name=reason]", "户口未迁出，误登记为迁出。")
    check_phone_page(page, "membership-restore")
    page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    main = page.locator("main").inner_text()
    assert "王芳的成员身份已恢复。" in main and "户口未迁出，误登记为迁出。" in main
    village.daughter.refresh_from_db()
    assert village.daughter.ceased_on is None
    assert Restoration.objects.get().restored_by == village_official_a
    assert errors == []
