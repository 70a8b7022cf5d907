"""The Gantian demo, membership part: GT01 has a completed identification round (synthetic).

The law on rural collective economic organisations came into force on 2025-05-01; GT01 ran its
round on the base date 2025-04-30 with the usual criteria, posted its list three times in May and
June 2025, answered the demo farmer's objection, and applied the final list, which equals its
registry on the base date. Everything here (dates, circumstances, the objection, the resolution)
is synthetic. Safe to run twice: a round on that base date is not made again.
"""

from __future__ import annotations

from datetime import date

from django.core.files.base import ContentFile
from django.db import transaction

from collective.demo import FARMER_HOUSEHOLD_CODE
from collective.models import Household, Organisation, User
from membership import services
from membership.models import Entry, Posting, Round

ASSOCIATION_CODE = "GT01"
BASE_DATE = date(2025, 4, 30)
ADOPTED_ON = date(2025, 4, 20)
PUBLISHED = [date(2025, 5, 6), date(2025, 5, 20), date(2025, 6, 3)]
PERIOD_DAYS = 7
RESOLUTION_TEXT = (
    "甘田村股份经济合作社成员大会决议 (合成数据)\n"
    "2025年4月20日成员大会表决通过 以2025年4月30日为基准日开展集体经济组织成员身份确认、"
    "按原始取得、婚姻迁入、户籍在本村、承包土地等标准确认、在校学生、现役军人、户口未迁出的外嫁女、"
    "入赘人员保留成员身份、死亡、迁出、国家公职人员不再确认。名单经三榜公示后生效。\n"
)


@transaction.atomic
def load() -> Round | None:
    association = Organisation.objects.filter(code=ASSOCIATION_CODE).first()
    if association is None:
        return None
    existing = Round.objects.filter(association=association, base_date=BASE_DATE).first()
    if existing is not None:
        return existing
    official = User.objects.filter(role=User.Role.VILLAGE, organisation=association).order_by("pk").first()
    farmer = User.objects.filter(role=User.Role.FARMER, household__code=FARMER_HOUSEHOLD_CODE).first()
    if official is None:
        return None
    round_ = services.start_round(
        association=association,
        title="2025年成员身份确认",
        base_date=BASE_DATE,
        criteria=services.default_criteria(),
        started_by=official,
        resolution=ContentFile(RESOLUTION_TEXT.encode(), name="gt01-resolution-2025.txt"),
        resolution_adopted_on=ADOPTED_ON,
        is_synthetic=True,
    )
    # Circumstances an official recorded: all keep membership under the adopted criteria.
    members = list(round_.entries.filter(proposed_status="member").select_related("member").order_by("member_id"))
    young = [e for e in members if e.member.birth_date and 2002 <= e.member.birth_date.year <= 2007]
    women = [e for e in members if e.member.sex == "female" and e.member.relation == "child"]
    marked = [
        (young[0] if young else None, [Entry.Circumstance.STUDENT]),
        (young[1] if len(young) > 1 else None, [Entry.Circumstance.SOLDIER]),
        (women[0] if women else None, [Entry.Circumstance.MARRIED_OUT_STAYED]),
    ]
    for entry, circumstances in marked:
        if entry is not None:
            services.set_circumstances(entry=entry, circumstances=circumstances)
    first = services._publish(round_=round_, period_days=PERIOD_DAYS, by=official, today=PUBLISHED[0])
    household = Household.objects.filter(code=FARMER_HOUSEHOLD_CODE).first()
    if farmer is not None and household is not None:
        objection = services.lodge_objection(
            posting=first,
            household=household,
            text="我家孙子在外地读书、户口迁到学校了、请确认他仍是成员。 (合成数据)",
            by=farmer,
        )
        services.answer_objection(
            objection=objection,
            answer="经核实、在校学生保留成员身份、名单中已确认为成员。 (合成数据)",
            outcome="upheld",
            by=official,
        )
    for number, published in enumerate(PUBLISHED, start=1):
        posting = round_.postings.get(number=number) if number == 1 else None
        if posting is None:
            posting = services._publish(round_=round_, period_days=PERIOD_DAYS, by=official, today=published)
        services._close(posting=posting, by=official, today=Posting.closing_day(published, PERIOD_DAYS))
    services.complete_round(round_=round_, by=official)
    return round_
