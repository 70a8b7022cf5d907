# ruff: noqa: RUF001 - the expected texts are Chinese, with Chinese punctuation
"""The membership pages: who sees what, the forms, the notice, the portal and the certificates."""

from datetime import date

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from membership import services
from membership.models import Objection, Posting, Round
from tests.membership.conftest import run_postings


def detail(round_) -> str:
    return reverse("membership:round-detail", kwargs={"pk": round_.pk})


def test_an_official_starts_a_round_from_the_page_with_the_resolution(client, village, village_official_a):
    client.force_login(village_official_a)
    data = {
        "title": "2025年成员身份确认",
        "base_date": "2025-04-30",
        "resolution": SimpleUploadedFile("决议.pdf", b"%PDF-1.4 x", content_type="application/pdf"),
        "resolution_adopted_on": "2025-04-20",
        "use_deceased": "on",
        "outcome_deceased": "not_member",
        "use_born_in": "on",
        "outcome_born_in": "member",
    }
    response = client.post(reverse("membership:round-create"), data)
    assert response.status_code == 302
    round_ = Round.objects.get()
    assert list(round_.criteria.values_list("rule", "outcome")) == [("deceased", "not_member"), ("born_in", "member")]
    page = client.get(response["Location"]).content.decode()
    assert "张国华" in page and "原始取得(本村出生)" in page
    # Without the married-in rule, the spouse is not a member: no adopted criterion applies.
    assert round_.entries.get(member=village.spouse).proposed_rule == "no_rule"
    assert client.get(reverse("membership:resolution-download", kwargs={"pk": round_.pk})).status_code == 200


def test_a_bad_resolution_file_is_refused_and_nothing_is_started(client, village, village_official_a):
    client.force_login(village_official_a)
    response = client.post(
        reverse("membership:round-create"),
        {
            "title": "x",
            "base_date": "2025-04-30",
            "resolution": SimpleUploadedFile("决议.exe", b"MZ"),
            "resolution_adopted_on": "2025-04-20",
        },
    )
    assert response.status_code == 200
    assert "请以 PDF 或照片(.pdf、.jpg、.png)上传决议。" in response.content.decode()
    assert not Round.objects.exists()


def test_officials_of_another_village_and_farmers_see_no_round(
    client, round_, village_official_b, farmer_a, township_official
):
    client.force_login(village_official_b)
    assert client.get(detail(round_)).status_code == 404
    assert round_.title not in client.get(reverse("membership:round-list")).content.decode()
    client.force_login(farmer_a)
    assert client.get(detail(round_)).status_code == 403
    client.force_login(township_official)
    assert client.get(detail(round_)).status_code == 200
    # The township reads but does not run a round.
    response = client.post(reverse("membership:posting-publish", kwargs={"pk": round_.pk}), {"period_days": 7})
    assert response.status_code == 403


def test_a_posting_cannot_be_closed_from_the_page_before_its_period(client, round_, village_official_a):
    client.force_login(village_official_a)
    client.post(reverse("membership:posting-publish", kwargs={"pk": round_.pk}), {"period_days": 7})
    posting = Posting.objects.get()
    assert posting.published_on == timezone.localdate()
    response = client.post(reverse("membership:posting-close", kwargs={"pk": round_.pk, "number": 1}), follow=True)
    assert f"最早于 {posting.closes_on.isoformat()} 结束" in response.content.decode()
    posting.refresh_from_db()
    assert posting.closed_on is None


def test_the_notice_prints_masked_id_numbers_only(client, round_, village, village_official_a):
    services._publish(round_=round_, period_days=7, by=village_official_a, today=date(2025, 5, 6))
    client.force_login(village_official_a)
    page = client.get(reverse("membership:posting-notice", kwargs={"pk": round_.pk, "number": 1})).content.decode()
    assert "张国华" in page and village.head.masked_id_number in page
    assert village.head.id_number not in page
    assert "第一榜：初步名单(初榜)" in page


def test_the_farmer_objects_in_the_portal_and_reads_the_answer(
    client, round_, village, village_official_a, farmer_a, household_a
):
    posting = services.publish_posting(round_=round_, period_days=7, by=village_official_a)
    client.force_login(farmer_a)
    page = client.get(reverse("membership:portal-postings")).content.decode()
    # The farmer reads their own household's lines, not the neighbours'.
    assert "张国华" in page and "王建军" not in page
    student = round_.entries.get(member=village.student)
    response = client.post(
        reverse("membership:portal-objection", kwargs={"posting_pk": posting.pk}),
        {"entry": student.pk, "text": "张明在外读书，户口迁到学校，应保留成员身份。"},
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.household, objection.entry, objection.on_paper) == (household_a, student, False)
    # Another household's person cannot be chosen.
    other = round_.entries.get(member=village.head2)
    response = client.post(
        reverse("membership:portal-objection", kwargs={"posting_pk": posting.pk}), {"entry": other.pk, "text": "x"}
    )
    assert response.status_code == 200 and Objection.objects.count() == 1

    client.force_login(village_official_a)
    client.post(
        reverse("membership:objection-answer", kwargs={"pk": round_.pk, "objection_pk": objection.pk}),
        {"outcome": "upheld", "answer": "经核实，在校学生保留成员身份。"},
    )
    client.force_login(farmer_a)
    page = client.get(reverse("membership:portal-postings")).content.decode()
    assert "经核实，在校学生保留成员身份。" in page and "异议成立：名单已更正" in page


def test_an_official_records_a_paper_objection(client, round_, village, village_official_a):
    services.publish_posting(round_=round_, period_days=7, by=village_official_a)
    client.force_login(village_official_a)
    response = client.post(
        reverse("membership:objection-paper", kwargs={"pk": round_.pk}),
        {"household_code": "A01-002", "entry": "", "text": "王芳已出嫁，户口已迁出。"},
    )
    assert response.status_code == 302
    objection = Objection.objects.get()
    assert (objection.household.code, objection.on_paper, objection.lodged_by) == ("A01-002", True, village_official_a)


def test_the_changes_page_and_the_certificates_of_a_completed_round(client, round_, village, village_official_a):
    def revise(number):
        if number == 2:
            entry = round_.entries.get(member=village.daughter)
            services.set_circumstances(entry=entry, circumstances=["married_out"])

    run_postings(round_, village_official_a, before_each=revise)
    client.force_login(village_official_a)
    page = client.get(reverse("membership:posting-compare", kwargs={"pk": round_.pk, "number": 2})).content.decode()
    assert "王芳" in page and "外嫁(户口已迁出)" in page and "张国华" not in page
    response = client.post(reverse("membership:round-complete", kwargs={"pk": round_.pk}), follow=True)
    assert "基准日的成员名册与最终名单一致。" in response.content.decode()
    response = client.get(reverse("membership:certificates", kwargs={"pk": round_.pk}))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")


def test_the_quantify_page_refuses_a_round_that_is_not_final(client, round_, village_official_a, association_a):
    from collective.models import ShareType

    ShareType.objects.create(association=association_a, code="population", name="人口股", weight=1)
    client.force_login(village_official_a)
    response = client.post(
        reverse("membership:quantify", kwargs={"pk": round_.pk}),
        {
            "population_type": ShareType.objects.get().pk,
            "population_per_member": "1",
            "labour_from_age": "16",
            "labour_to_age": "60",
            "labour_per_year": "1",
            "collective_quantity": "0",
            "action": "preview",
        },
    )
    assert "股权量化只能使用最终成员名单：本轮确认尚未完成。" in response.content.decode()


def test_a_farmer_of_another_association_cannot_read_nor_object_to_the_list(
    client, round_, village_official_a, household_b, village_official_b
):
    from collective.models import User
    from tests.conftest import make_user

    posting = services.publish_posting(round_=round_, period_days=7, by=village_official_a)
    farmer_b = make_user("13900000002", User.Role.FARMER, household=household_b)
    client.force_login(farmer_b)
    assert "张国华" not in client.get(reverse("membership:portal-postings")).content.decode()
    url = reverse("membership:portal-objection", kwargs={"posting_pk": posting.pk})
    assert client.get(url).status_code == 404
    assert client.post(url, {"text": "x"}).status_code == 404
    assert not Objection.objects.exists()
    client.force_login(village_official_b)
    assert client.get(reverse("membership:posting-notice", kwargs={"pk": round_.pk, "number": 1})).status_code == 404


def test_an_official_records_circumstances_and_overrides_from_the_entry_page(
    client, round_, village, village_official_a
):
    entry = round_.entries.get(member=village.daughter)
    url = reverse("membership:entry-edit", kwargs={"pk": round_.pk, "entry_pk": entry.pk})
    client.force_login(village_official_a)
    response = client.post(url, {"circumstances": ["married_out"], "override_status": "member", "override_reason": ""})
    assert "请填写人工认定身份的理由。" in response.content.decode()
    response = client.post(
        url,
        {"circumstances": ["married_out"], "override_status": "member", "override_reason": "户口虽迁出，仍在村务农"},
    )
    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.proposed_rule, entry.proposed_status, entry.status) == ("married_out", "not_member", "member")
    assert entry.overridden_by == village_official_a


def test_the_registry_quantify_page_issues_shares_only_from_a_completed_rounds_final_list(
    client, round_, village, village_official_a, association_a
):
    from collective.models import Member, ShareEvent, ShareType
    from tests.membership.conftest import member

    population = ShareType.objects.create(association=association_a, code="population", name="人口股", weight=1)
    client.force_login(village_official_a)
    data = {
        "base_date": "2025-04-30",
        "population_type": population.pk,
        "population_per_member": "1",
        "labour_from_age": "16",
        "labour_to_age": "60",
        "labour_per_year": "1",
        "collective_quantity": "0",
    }

    def post(action: str, **extra):
        return client.post(reverse("collective:quantify"), {**data, **extra, "action": action})

    # The round on that base date is still posting: no final list yet.
    page = post("preview").content.decode()
    assert "股权量化只能使用最终成员名单：甘田村股份经济合作社在基准日 2025-04-30 没有已完成的成员身份确认。" in page
    run_postings(round_, village_official_a)
    services.complete_round(round_=round_, by=village_official_a)
    # Another base date is not covered by the round.
    assert "在基准日 2025-05-01 没有已完成的成员身份确认" in post("preview", base_date="2025-05-01").content.decode()

    # The registry moved away from the final list: someone joined before the base date after the round.
    late = member(village.household2, "王后来", date(1980, 2, 2), Member.Relation.SPOUSE, Member.Sex.FEMALE)
    page = post("preview").content.decode()
    assert (
        "股权量化只能使用最终成员名单：2025-04-30 的登记与 2025年成员身份确认 的最终名单不一致：王后来。"
        "请从该轮确认的页面按最终名单量化。"
    ) in page
    late.delete()

    preview = post("preview").context["preview"]
    assert preview.members_counted == 5 and not ShareEvent.objects.exists()
    response = post("commit", digest=preview.digest)
    assert response.status_code == 302
    event = ShareEvent.objects.get()
    assert event.base_date == date(2025, 4, 30) and event.recorded_by == village_official_a
    assert sorted(event.lines.values_list("household__code", "quantity_delta")) == [("A01-001", 3), ("A01-002", 2)]


def test_an_official_restores_a_ceased_membership_from_the_page_and_others_cannot(
    client, village, village_official_a, village_official_b, township_official, farmer_a
):
    from collective import services as collective
    from collective.models import Member
    from membership.models import Restoration

    collective.cease_membership(
        member=village.daughter, ceased_on=date(2024, 3, 1), reason=Member.CeaseReason.MARRIED_OUT, note="误登记"
    )
    url = reverse("membership:member-restore", kwargs={"member_pk": village.daughter.pk})
    client.force_login(village_official_b)
    assert client.get(url).status_code == 404
    client.force_login(farmer_a)
    assert client.post(url, {"reason": "x"}).status_code in (403, 404)
    client.force_login(township_official)
    assert client.post(url, {"reason": "x"}).status_code == 403
    assert "王芳" not in client.get(reverse("membership:restoration-list")).content.decode()

    client.force_login(village_official_a)
    listing = client.get(reverse("membership:restoration-list")).content.decode()
    assert "王芳" in listing and "张老汉" not in listing  # a death is not restored here
    page = client.post(url, {"reason": " "}).content.decode()
    assert "该字段是必填项。" in page and not Restoration.objects.exists()
    response = client.post(url, {"reason": "户口未迁出，误登记为外嫁"}, follow=True)
    assert "王芳的成员身份已恢复。" in response.content.decode()
    village.daughter.refresh_from_db()
    assert village.daughter.ceased_on is None
    restoration = Restoration.objects.get()
    assert (restoration.reason, restoration.restored_by, restoration.cease_note) == (
        "户口未迁出，误登记为外嫁",
        village_official_a,
        "误登记",
    )
    assert "户口未迁出，误登记为外嫁" in response.content.decode()

    grandfather = reverse("membership:member-restore", kwargs={"member_pk": village.grandfather.pk})
    page = client.post(grandfather, {"reason": "误操作"}).content.decode()
    assert "张老汉已登记为死亡（2020-02-02）：因死亡终止的成员身份不能恢复。" in page


def test_the_ceased_members_to_restore_are_found_by_name_or_household_a_page_at_a_time(
    client, village, village_official_a
):
    from collective import services as collective
    from collective.models import Member
    from tests.membership.conftest import member

    collective.cease_membership(
        member=village.daughter, ceased_on=date(2024, 3, 1), reason=Member.CeaseReason.MARRIED_OUT
    )
    moved = [
        member(village.household2, f"迁出{index:02d}", date(1980, 1, 1), Member.Relation.OTHER) for index in range(55)
    ]
    for person in moved:
        collective.cease_membership(member=person, ceased_on=date(2023, 5, 1), reason=Member.CeaseReason.MOVED_AWAY)
    client.force_login(village_official_a)
    url = reverse("membership:restoration-list")

    first = client.get(url).content.decode()
    assert first.count("/restore/") == 50 and "第 1 页，共 2 页" in first
    second = client.get(url, {"page": 2}).content.decode()
    assert second.count("/restore/") == 6
    found = client.get(url, {"q": "王芳"}).content.decode()
    assert found.count("/restore/") == 1 and "王芳" in found and "迁出" not in found
    assert client.get(url, {"q": "A01-002"}).content.decode().count("/restore/") == 50
    assert "没有符合条件的已终止成员。" in client.get(url, {"q": "不存在"}).content.decode()
