# ruff: noqa: RUF001 - the expected messages are Chinese, with Chinese punctuation
"""The share ledger's rules, the registry as of a date, quantification, and the member services."""

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone, translation

from collective import services
from collective.models import Household, Member, MemberMove, ShareEvent, ShareEventLine, ShareType
from collective.services import Holding, QuantificationRule
from tests.collective.conftest import make_household
from tests.collective.factories import MemberFactory, id_number_for

D = Decimal


def refused(call, **kwargs) -> str:
    """Run a service that must refuse; return its message in Chinese, as officials read it."""
    with pytest.raises(ValidationError) as caught:
        call(**kwargs)
    with translation.override("zh-hans"):
        return caught.value.messages[0]


def held(household, share_type, on: date) -> Decimal:
    return {h.share_type_id: h.quantity for h in services.household_holdings(household=household, as_of=on)}.get(
        share_type.pk, D(0)
    )


# --- issue and cancellation --------------------------------------------------------------------------


def test_issue_adds_shares_from_the_effective_date(issued, population):
    first, second, third = issued
    assert held(first, population, date(2020, 12, 31)) == 0
    assert held(first, population, date(2021, 1, 1)) == 5
    assert held(second, population, date(2024, 1, 1)) == 3
    assert held(third, population, date(2024, 1, 1)) == 0


def test_a_collective_share_is_issued_to_the_association_not_to_a_household(association_a, households, share_types):
    message = refused(
        services.issue_shares,
        association=association_a,
        household=households[0],
        share_type=share_types["collective"],
        quantity=D(10),
        effective_date=date(2021, 1, 1),
    )
    assert message == "集体股由合作社本身持有，不能由农户持有。"
    services.issue_shares(
        association=association_a,
        household=None,
        share_type=share_types["collective"],
        quantity=D(10),
        effective_date=date(2021, 1, 1),
    )
    registry = services.registry_as_of(association=association_a, as_of=date(2021, 1, 1))
    assert registry == [
        Holding(None, None, share_types["collective"].pk, "collective", D("1.0000"), D("10.0000")),
    ]


def test_a_household_share_cannot_be_held_by_the_association(association_a, population):
    message = refused(
        services.issue_shares,
        association=association_a,
        household=None,
        share_type=population,
        quantity=D(1),
        effective_date=date(2021, 1, 1),
    )
    assert message == "人口股由农户持有，合作社不能持有。"


def test_an_effective_date_in_the_future_is_refused(association_a, households, population):
    tomorrow = timezone.localdate() + timedelta(days=1)
    message = refused(
        services.issue_shares,
        association=association_a,
        household=households[0],
        share_type=population,
        quantity=D(1),
        effective_date=tomorrow,
    )
    assert message == f"生效日期 {tomorrow.isoformat()} 是将来的日期：请在变动发生当天或之后登记。"
    assert not ShareEvent.objects.exists()


def test_today_is_a_valid_effective_date(association_a, households, population):
    services.issue_shares(
        association=association_a,
        household=households[0],
        share_type=population,
        quantity=D(1),
        effective_date=timezone.localdate(),
    )
    assert held(households[0], population, timezone.localdate()) == 1


def test_an_effective_date_before_the_household_existed_is_refused(association_a, population):
    household = make_household(association_a, "A01-050", established_on=date(2022, 5, 1))
    message = refused(
        services.issue_shares,
        association=association_a,
        household=household,
        share_type=population,
        quantity=D(1),
        effective_date=date(2022, 4, 30),
    )
    assert message == "农户 A01-050 于 2022-05-01 立户，晚于生效日期 2022-04-30。"


def test_the_establishment_date_cannot_move_after_the_households_events(issued):
    first = issued[0]
    assert (
        refused(
            services.update_household,
            household=first,
            village_group="一组",
            address="",
            established_on=date(2021, 6, 1),
            head=first.head,
            bank_name="",
        )
        == "该户在 2021-01-01 有股权变动，早于此立户日期。"
    )


def test_quantities_must_be_positive(association_a, households, population):
    for quantity in (D(0), D(-1)):
        message = refused(
            services.issue_shares,
            association=association_a,
            household=households[0],
            share_type=population,
            quantity=quantity,
            effective_date=date(2021, 1, 1),
        )
        assert message == "请输入大于零的股数。"


def test_a_share_type_of_another_association_is_refused(association_a, households, share_types_b):
    message = refused(
        services.issue_shares,
        association=association_a,
        household=households[0],
        share_type=share_types_b["population"],
        quantity=D(1),
        effective_date=date(2021, 1, 1),
    )
    assert message == "股份类型 人口股 属于其他合作社。"


def test_cancellation_needs_a_reason_and_cannot_go_below_zero(association_a, issued, population):
    first = issued[0]
    assert (
        refused(
            services.cancel_shares,
            association=association_a,
            household=first,
            share_type=population,
            quantity=D(1),
            effective_date=date(2022, 1, 1),
            note=" ",
        )
        == "请填写注销股份的原因。"
    )
    assert (
        refused(
            services.cancel_shares,
            association=association_a,
            household=first,
            share_type=population,
            quantity=D(6),
            effective_date=date(2022, 1, 1),
            note="死亡",
        )
        == "A01-001 在 2022-01-01 只持有人口股 5 股，少于本次变动要减少的 6 股。"
    )
    services.cancel_shares(
        association=association_a,
        household=first,
        share_type=population,
        quantity=D(5),
        effective_date=date(2022, 1, 1),
        note="死亡",
    )
    assert held(first, population, date(2022, 1, 1)) == 0
    assert held(first, population, date(2021, 12, 31)) == 5


def test_the_collective_holding_cannot_go_below_zero(association_a, share_types):
    message = refused(
        services.cancel_shares,
        association=association_a,
        household=None,
        share_type=share_types["collective"],
        quantity=D(1),
        effective_date=date(2022, 1, 1),
        note="调整",
    )
    assert message == "合作社（集体股） 在 2022-01-01 只持有集体股 0 股，少于本次变动要减少的 1 股。"


def test_the_ledger_is_append_only(issued):
    event = ShareEvent.objects.first()
    event.note = "改写"
    with pytest.raises(ValueError, match="never changed"):
        event.save()
    with pytest.raises(ValueError, match="never deleted"):
        event.lines.first().delete()
    assert ShareEvent.objects.get(pk=event.pk).note == ""


# --- transfers ------------------------------------------------------------------------------------


def test_a_transfer_moves_shares_between_two_households(issued, population):
    first, second, _third = issued
    event = services.transfer_shares(
        from_household=first,
        to_household=second,
        share_type=population,
        quantity=D("1.5"),
        effective_date=date(2022, 3, 15),
        note="转让",
    )
    assert event.kind == ShareEvent.Kind.TRANSFER
    assert sorted(event.lines.values_list("household__code", "quantity_delta")) == [
        ("A01-001", D("-1.5")),
        ("A01-002", D("1.5")),
    ]
    assert held(first, population, date(2022, 3, 15)) == D("3.5")
    assert held(second, population, date(2022, 3, 15)) == D("4.5")
    assert held(first, population, date(2022, 3, 14)) == 5


def test_a_transfer_of_more_than_is_held_is_refused_and_writes_nothing(issued, population):
    first, second, _third = issued
    message = refused(
        services.transfer_shares,
        from_household=second,
        to_household=first,
        share_type=population,
        quantity=D(4),
        effective_date=date(2022, 3, 15),
    )
    assert message == "A01-002 在 2022-03-15 只持有人口股 3 股，少于本次变动要减少的 4 股。"
    assert ShareEvent.objects.filter(kind=ShareEvent.Kind.TRANSFER).count() == 0


def test_a_transfer_to_the_same_household_is_refused(issued, population):
    assert (
        refused(
            services.transfer_shares,
            from_household=issued[0],
            to_household=issued[0],
            share_type=population,
            quantity=D(1),
            effective_date=date(2022, 1, 1),
        )
        == "转让须在两个不同的农户之间进行。"
    )


def test_a_transfer_to_another_associations_household_is_refused(issued, population, household_b):
    assert (
        refused(
            services.transfer_shares,
            from_household=issued[0],
            to_household=household_b,
            share_type=population,
            quantity=D(1),
            effective_date=date(2022, 1, 1),
        )
        == "农户 A02-001 属于其他合作社：股份只能在本合作社内部转移。"
    )


def test_a_backdated_transfer_that_would_break_a_later_event_is_refused(issued, population):
    first, second, third = issued
    services.transfer_shares(
        from_household=first, to_household=third, share_type=population, quantity=D(5), effective_date=date(2023, 1, 1)
    )
    # On 2022-06-01 the first household still holds 5, but giving 2 away then leaves it 3 to give on 2023-01-01.
    message = refused(
        services.transfer_shares,
        from_household=first,
        to_household=second,
        share_type=population,
        quantity=D(2),
        effective_date=date(2022, 6, 1),
    )
    assert message == "登记本次变动后，已登记的后续变动会使 A01-001 在 2023-01-01 的人口股变为 -2 股：持股不能小于零。"


def test_a_transfer_from_a_dissolved_household_is_refused(association_a, issued, population):
    first, second, _third = issued
    services.merge_households(absorbed=first, into=second, effective_date=date(2022, 1, 1))
    message = refused(
        services.transfer_shares,
        from_household=first,
        to_household=second,
        share_type=population,
        quantity=D(1),
        effective_date=date(2022, 2, 1),
    )
    assert message == "农户 A01-001 已于 2022-01-01 注销，自该日起不能再有股权变动。"


# --- inheritance ----------------------------------------------------------------------------------


def test_an_inheritance_needs_a_recorded_death(issued, population):
    first, second, _third = issued
    child = first.members.exclude(pk=first.head_id).first()
    assert (
        refused(
            services.record_inheritance,
            deceased=child,
            heir=second,
            quantities={population: D(1)},
            effective_date=date(2023, 6, 1),
        )
        == "继承需要一名已登记死亡的成员。请先登记死亡。"
    )
    services.cease_membership(member=child, ceased_on=date(2023, 5, 10), reason=Member.CeaseReason.MOVED_AWAY)
    assert (
        refused(
            services.record_inheritance,
            deceased=child,
            heir=second,
            quantities={population: D(1)},
            effective_date=date(2023, 6, 1),
        )
        == "继承需要一名已登记死亡的成员。请先登记死亡。"
    )


def test_an_inheritance_moves_the_shares_to_the_heir_household(issued, population):
    first, second, _third = issued
    head = first.head
    services.cease_membership(member=head, ceased_on=date(2023, 5, 10), reason=Member.CeaseReason.DEATH)
    assert (
        refused(
            services.record_inheritance,
            deceased=head,
            heir=second,
            quantities={population: D(5)},
            effective_date=date(2023, 5, 9),
        )
        == "继承（2023-05-09）不能早于死亡日期（2023-05-10）生效。"
    )
    assert (
        refused(
            services.record_inheritance,
            deceased=head,
            heir=first,
            quantities={population: D(5)},
            effective_date=date(2023, 6, 1),
        )
        == "继承户就是已故成员所在的户：股份属于农户，因此没有任何变化。"
    )
    event = services.record_inheritance(
        deceased=head, heir=second, quantities={population: D(5)}, effective_date=date(2023, 6, 1), note="继承"
    )
    assert event.member == head
    assert held(first, population, date(2023, 6, 1)) == 0
    assert held(second, population, date(2023, 6, 1)) == 8


# --- split and merge ------------------------------------------------------------------------------


@pytest.fixture
def family(association_a, share_types):
    """A household of four (head, son, daughter-in-law, grandchild) with 4 population and 60 labour shares."""
    household = make_household(association_a, "A01-010", members=1)
    son = MemberFactory(household=household, name="李明", birth_date=date(1985, 1, 1), relation=Member.Relation.CHILD)
    wife = MemberFactory(
        household=household,
        name="王芳",
        sex=Member.Sex.FEMALE,
        birth_date=date(1987, 2, 2),
        relation=Member.Relation.CHILD_IN_LAW,
        id_number=id_number_for(date(1987, 2, 2), male=False),
    )
    grandchild = MemberFactory(
        household=household, name="李小", birth_date=date(2012, 3, 3), relation=Member.Relation.GRANDCHILD
    )
    for share_type, quantity in ((share_types["population"], 4), (share_types["labour"], 60)):
        services.issue_shares(
            association=association_a,
            household=household,
            share_type=share_type,
            quantity=D(quantity),
            effective_date=date(2021, 1, 1),
        )
    return household, son, wife, grandchild


def test_a_split_whose_parts_do_not_add_up_is_refused(family, share_types):
    household, son, wife, grandchild = family
    population, labour = share_types["population"], share_types["labour"]
    message = refused(
        services.split_household,
        household=household,
        effective_date=date(2023, 9, 1),
        new_code="A01-011",
        new_head=son,
        members=[wife, grandchild],
        kept={population: D(1), labour: D(30)},
        moved={population: D(2), labour: D(30)},
    )
    assert message == "人口股 的分配（原户保留 1 股，新户 2 股）与 2023-09-01 持有的 4 股不符。"
    assert not Household.objects.filter(code="A01-011").exists()


def test_a_split_must_name_every_share_type_held(family, share_types):
    household, son, _wife, _grandchild = family
    message = refused(
        services.split_household,
        household=household,
        effective_date=date(2023, 9, 1),
        new_code="A01-011",
        new_head=son,
        members=[],
        kept={share_types["population"]: D(3)},
        moved={share_types["population"]: D(1)},
    )
    assert message == "劳龄股 的分配（原户保留 0 股，新户 0 股）与 2023-09-01 持有的 60 股不符。"


def test_the_head_does_not_leave_in_a_split(family, share_types):
    household, _son, _wife, _grandchild = family
    message = refused(
        services.split_household,
        household=household,
        effective_date=date(2023, 9, 1),
        new_code="A01-011",
        new_head=household.head,
        members=[],
        kept={share_types["population"]: D(3), share_types["labour"]: D(60)},
        moved={share_types["population"]: D(1)},
    )
    assert message == "农户 A01-010 的户主留在原户；如户主要迁出，请先更换户主。"


def test_a_split_makes_the_new_household_with_its_members_and_shares(family, share_types):
    household, son, wife, grandchild = family
    population, labour = share_types["population"], share_types["labour"]
    event = services.split_household(
        household=household,
        effective_date=date(2023, 9, 1),
        new_code="A01-011",
        new_head=son,
        members=[wife, grandchild],
        kept={population: D(1), labour: D(35)},
        moved={population: D(3), labour: D(25)},
        note="分户",
    )
    new = Household.objects.get(code="A01-011")
    assert event.kind == ShareEvent.Kind.SPLIT
    assert new.established_on == date(2023, 9, 1)
    assert new.head == son
    assert set(new.members.values_list("name", flat=True)) == {"李明", "王芳", "李小"}
    assert Member.objects.get(pk=son.pk).relation == Member.Relation.HEAD
    assert MemberMove.objects.filter(from_household=household, to_household=new, moved_on=date(2023, 9, 1)).count() == 3
    assert (held(household, population, date(2023, 9, 1)), held(household, labour, date(2023, 9, 1))) == (1, 35)
    assert (held(new, population, date(2023, 9, 1)), held(new, labour, date(2023, 9, 1))) == (3, 25)
    assert held(household, population, date(2023, 8, 31)) == 4
    assert held(new, population, date(2023, 8, 31)) == 0
    assert refused(
        services.split_household,
        household=household,
        effective_date=date(2023, 10, 1),
        new_code="A01-011",
        new_head=household.members.exclude(pk=household.head_id).first() or household.head,
        members=[],
        kept={},
        moved={},
    ) in {"户编号 A01-011 已被使用。", "农户 A01-010 的户主留在原户；如户主要迁出，请先更换户主。"}


def test_a_merge_moves_members_and_shares_and_dissolves_the_household(issued, population):
    first, second, _third = issued
    refused_message = refused(services.merge_households, absorbed=first, into=first, effective_date=date(2022, 1, 1))
    assert refused_message == "农户不能并入自己。"
    event = services.merge_households(absorbed=first, into=second, effective_date=date(2022, 1, 1), note="合户")
    first.refresh_from_db()
    assert event.kind == ShareEvent.Kind.MERGE
    assert first.dissolved_on == date(2022, 1, 1)
    assert first.members.count() == 0
    assert second.members.count() == 4
    assert held(second, population, date(2022, 1, 1)) == 8
    assert held(first, population, date(2022, 1, 1)) == 0
    assert held(first, population, date(2021, 12, 31)) == 5


def test_a_merge_must_be_the_households_last_event(issued, population):
    first, second, third = issued
    services.transfer_shares(
        from_household=first, to_household=third, share_type=population, quantity=D(1), effective_date=date(2023, 1, 1)
    )
    assert (
        refused(services.merge_households, absorbed=first, into=second, effective_date=date(2022, 1, 1))
        == "农户 A01-001 在 2022-01-01 之后还有股权变动：合户必须是它的最后一次变动。"
    )


# --- the registry as of a date --------------------------------------------------------------------


def test_holdings_as_of_several_dates_across_a_sequence_of_events(association_a, issued, share_types):
    first, second, third = issued
    population, labour, collective = share_types["population"], share_types["labour"], share_types["collective"]
    services.issue_shares(
        association=association_a,
        household=None,
        share_type=collective,
        quantity=D(20),
        effective_date=date(2021, 1, 1),
    )
    services.issue_shares(
        association=association_a,
        household=third,
        share_type=labour,
        quantity=D("12.5"),
        effective_date=date(2021, 6, 1),
    )
    services.transfer_shares(
        from_household=first, to_household=third, share_type=population, quantity=D(2), effective_date=date(2022, 3, 15)
    )
    services.cancel_shares(
        association=association_a,
        household=second,
        share_type=population,
        quantity=D(3),
        effective_date=date(2023, 1, 1),
        note="注销",
    )
    services.cancel_shares(
        association=association_a, household=None, share_type=collective, quantity=D(5),
        effective_date=date(2023, 1, 1), note="调整",
    )  # fmt: skip

    def registry(on: date) -> dict:
        return {
            (h.household_code, h.share_type_code): h.quantity
            for h in services.registry_as_of(association=association_a, as_of=on)
        }

    assert registry(date(2020, 12, 31)) == {}
    assert registry(date(2021, 1, 1)) == {
        ("A01-001", "population"): 5, ("A01-002", "population"): 3, (None, "collective"): 20,
    }  # fmt: skip
    assert registry(date(2021, 6, 1)) == {
        ("A01-001", "population"): 5, ("A01-002", "population"): 3, ("A01-003", "labour"): D("12.5"),
        (None, "collective"): 20,
    }  # fmt: skip
    assert registry(date(2022, 3, 15)) == {
        ("A01-001", "population"): 3, ("A01-002", "population"): 3, ("A01-003", "labour"): D("12.5"),
        ("A01-003", "population"): 2, (None, "collective"): 20,
    }  # fmt: skip
    # A holding that fell to zero is not listed; the association's own line comes last.
    holdings = services.registry_as_of(association=association_a, as_of=date(2024, 1, 1))
    assert [(h.household_code, h.share_type_code, h.quantity) for h in holdings] == [
        ("A01-001", "population", 3),
        ("A01-003", "labour", D("12.5")),
        ("A01-003", "population", 2),
        (None, "collective", 15),
    ]
    assert holdings[1].weight == D("0.1")
    assert holdings[1].household_id == third.pk


def test_registries_of_many_associations_come_in_one_query(
    association_a, association_b, issued, share_types_b, django_assert_num_queries
):
    household_b = make_household(association_b, "A02-009")
    services.issue_shares(
        association=association_b,
        household=household_b,
        share_type=share_types_b["population"],
        quantity=D(7),
        effective_date=date(2021, 1, 1),
    )
    with django_assert_num_queries(1):
        registries = services.registries_as_of(associations=[association_a, association_b], as_of=date(2024, 1, 1))
    assert {key: [(h.household_code, h.quantity) for h in value] for key, value in registries.items()} == {
        association_a.pk: [("A01-001", 5), ("A01-002", 3)],
        association_b.pk: [("A02-009", 7)],
    }


def test_an_association_without_events_has_an_empty_registry(association_a):
    assert services.registry_as_of(association=association_a, as_of=date(2024, 1, 1)) == []
    assert services.registries_as_of(associations=[], as_of=date(2024, 1, 1)) == {}


# --- quantification -------------------------------------------------------------------------------


@pytest.fixture
def roster(association_a):
    """Two households on the base date 2021-01-01, with a death before and a birth after it."""
    base = date(2021, 1, 1)
    first = make_household(association_a, "A01-001", members=1)  # head born 1960-03-01: 60 on the base date
    MemberFactory(household=first, name="妻", birth_date=date(1962, 7, 1), relation=Member.Relation.SPOUSE,
                  sex=Member.Sex.FEMALE, id_number=id_number_for(date(1962, 7, 1), male=False))  # fmt: skip
    MemberFactory(household=first, name="孙", birth_date=date(2010, 1, 2), relation=Member.Relation.GRANDCHILD)
    MemberFactory(household=first, name="已故", birth_date=date(1930, 1, 1), relation=Member.Relation.PARENT,
                  ceased_on=date(2019, 5, 5), cease_reason=Member.CeaseReason.DEATH)  # fmt: skip
    MemberFactory(household=first, name="新生", birth_date=date(2022, 2, 2), relation=Member.Relation.GRANDCHILD)
    second = make_household(association_a, "A01-002", members=1)
    mover = MemberFactory(
        household=second, name="迁户者", birth_date=date(2000, 12, 31), relation=Member.Relation.CHILD
    )
    third = make_household(association_a, "A01-003", members=1, established_on=date(2022, 1, 1))
    # Moved after the base date: counted where they lived on it.
    services.move_member(member=mover, to_household=third, moved_on=date(2022, 1, 1), relation=Member.Relation.SPOUSE)
    return base, first, second, third


def test_quantification_counts_members_alive_and_in_membership_on_the_base_date(association_a, share_types, roster):
    base, _first, _second, _third = roster
    rule = QuantificationRule(
        base_date=base,
        population_type=share_types["population"],
        labour_type=share_types["labour"],
        labour_from_age=16,
        labour_to_age=60,
        collective_type=share_types["collective"],
        collective_quantity=D(10),
    )
    preview = services.preview_quantification(association=association_a, rule=rule)
    assert not ShareEvent.objects.exists()
    lines = {line.household_code: line for line in preview.lines}
    # First: head 60 (44 years of work, capped at 60), wife 58 (42), grandchild 10 (0); the dead and the unborn not.
    assert (lines["A01-001"].members_counted, lines["A01-001"].labour_years) == (3, 86)
    assert (lines["A01-001"].population, lines["A01-001"].labour) == (3, 86)
    # Second: head 60 (44) and the member who moved away a year later, 20 on the base date (4).
    assert (lines["A01-002"].members_counted, lines["A01-002"].labour_years) == (2, 48)
    # Third was established after the base date, and nobody recorded where its head lived then: not counted, said so.
    assert "A01-003" not in lines
    assert [(m.name, m.household_code) for m in preview.skipped] == [("A01-003户主", "A01-003")]
    assert (preview.members_counted, preview.population_total, preview.labour_total) == (5, 5, 134)
    event = services.commit_quantification(association=association_a, rule=rule, expected_digest=preview.digest)
    assert event.kind == ShareEvent.Kind.ISSUE and event.base_date == base and event.effective_date == base
    assert event.details["labour_from_age"] == 16
    registry = {
        (h.household_code, h.share_type_code): h.quantity
        for h in services.registry_as_of(association=association_a, as_of=base)
    }
    assert registry[("A01-001", "population")] == 3
    assert registry[("A01-002", "labour")] == 48
    assert registry[(None, "collective")] == 10


def test_quantification_refuses_a_stale_preview_and_a_second_run(association_a, share_types, roster):
    base, first, *_rest = roster
    rule = QuantificationRule(base_date=base, population_type=share_types["population"])
    preview = services.preview_quantification(association=association_a, rule=rule)
    MemberFactory(household=first, name="补录", birth_date=date(1999, 9, 9), relation=Member.Relation.CHILD)
    assert (
        refused(services.commit_quantification, association=association_a, rule=rule, expected_digest=preview.digest)
        == "预览之后花名册已有变化。请先核对新的预览再配股。"
    )
    assert not ShareEvent.objects.exists()
    services.commit_quantification(association=association_a, rule=rule)
    assert refused(services.preview_quantification, association=association_a, rule=rule) == (
        "本合作社的股权登记簿已有股权变动（最早一笔在 2021-01-01）。"
        "股权量化只能在空的登记簿上进行一次：之后的变化请登记为股权变动。"
    )


def test_quantification_checks_its_rule(association_a, share_types):
    rule = QuantificationRule(base_date=date(2021, 1, 1), population_type=share_types["collective"])
    assert refused(services.preview_quantification, association=association_a, rule=rule) == (
        "集体股由合作社本身持有，不能由农户持有。"
    )
    rule = QuantificationRule(base_date=date(2021, 1, 1))
    assert (
        refused(services.preview_quantification, association=association_a, rule=rule)
        == "请至少选择一种要配置的股份类型。"
    )


def test_labour_years_count_the_working_ages_completed():
    assert services.labour_years(age=15, from_age=16, to_age=60) == 0
    assert services.labour_years(age=16, from_age=16, to_age=60) == 0
    assert services.labour_years(age=40, from_age=16, to_age=60) == 24
    assert services.labour_years(age=75, from_age=16, to_age=60) == 44
    assert services.labour_years(age=None, from_age=16, to_age=60) == 0


# --- members --------------------------------------------------------------------------------------


def test_register_member_checks_the_id_number_and_makes_the_first_head_the_head(household_a):
    number = id_number_for(date(1970, 4, 4))
    with pytest.raises(ValidationError):
        services.register_member(
            household=household_a, name="李", sex="male", birth_date=date(1970, 4, 5), id_number=number, relation="head"
        )
    member = services.register_member(
        household=household_a, name=" 李四 ", sex="male", birth_date=date(1970, 4, 4), id_number=number, relation="head"
    )
    household_a.refresh_from_db()
    assert household_a.head == member and member.name == "李四"
    assert (
        refused(
            services.register_member,
            household=household_a,
            name="重复",
            sex="male",
            birth_date=date(1970, 4, 4),
            id_number=number,
            relation="child",
        )
        == "本合作社已有其他成员使用此身份证号。"
    )


def test_ceasing_membership_records_the_date_and_reason_once(households):
    member = households[0].members.exclude(pk=households[0].head_id).first()
    services.cease_membership(member=member, ceased_on=date(2023, 1, 1), reason="married_out", note="嫁到外村")
    member.refresh_from_db()
    assert (member.ceased_on, member.cease_reason, member.cease_note) == (date(2023, 1, 1), "married_out", "嫁到外村")
    assert (
        refused(services.cease_membership, member=member, ceased_on=date(2023, 2, 1), reason="death")
        == f"{member.name} 的成员资格已于 2023-01-01 终止。"
    )


def test_a_member_moves_only_inside_the_association(households, household_b):
    first, second, _third = households
    member = first.members.exclude(pk=first.head_id).first()
    assert refused(
        services.move_member, member=member, to_household=household_b, moved_on=date(2023, 1, 1), relation="spouse"
    ).startswith("农户 A02-001 属于其他合作社。")
    move = services.move_member(member=member, to_household=second, moved_on=date(2023, 1, 1), relation="spouse")
    assert (move.from_household, move.to_household) == (first, second)
    assert Member.objects.get(pk=member.pk).household == second
    assert (
        refused(services.move_member, member=member, to_household=second, moved_on=date(2023, 2, 1), relation="spouse")
        == "该成员已在本户。"
    )
    assert (
        refused(services.move_member, member=member, to_household=first, moved_on=date(2022, 12, 1), relation="child")
        == "迁移日期（2022-12-01）不能早于该成员进入现所在户的日期 2023-01-01。"
    )


def test_moving_the_head_away_leaves_the_household_without_a_head(households):
    first, second, _third = households
    services.move_member(member=first.head, to_household=second, moved_on=date(2023, 1, 1), relation="parent")
    first.refresh_from_db()
    assert first.head is None


def test_next_household_code_follows_the_highest_number(association_a, households):
    make_household(association_a, "A01-017")
    assert services.next_household_code(association=association_a) == "A01-018"


# --- concurrency (PostgreSQL: SQLite has no row locks) ------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_officials_cannot_transfer_the_same_shares_at_once(association_a, township):
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL")
    population = ShareType.objects.create(association=association_a, code="population", name="人口股", weight=1)
    source = make_household(association_a, "A01-100")
    targets = [make_household(association_a, f"A01-10{n}") for n in (1, 2)]
    services.issue_shares(
        association=association_a,
        household=source,
        share_type=population,
        quantity=D(5),
        effective_date=date(2021, 1, 1),
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def transfer(target):
        try:
            barrier.wait()
            services.transfer_shares(
                from_household=source, to_household=target, share_type=population, quantity=D(4),
                effective_date=date(2022, 1, 1),
            )  # fmt: skip
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=transfer, args=(target,)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "refused"]
    assert held(source, population, date(2022, 1, 1)) == 1
    assert ShareEventLine.objects.filter(quantity_delta__lt=0).count() == 1
