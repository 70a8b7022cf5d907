from django.db.models import Sum

from association import demo
from association.models import (
    Attendance,
    ColdStore,
    Grower,
    Harvest,
    ProcessingBatch,
    ProductSale,
    StorageLot,
    TrainingSession,
)
from association.services import stock_by_day
from collective import demo as collective_demo
from collective.models import Household, Member, Organisation


def test_the_demo_tells_the_association_story(db):
    collective_demo.load()
    demo.load()
    pear = Organisation.objects.get(code="PEAR")
    sessions = TrainingSession.objects.filter(association=pear)
    assert sessions.count() > 200
    years = [row["year"] for row in sessions.counts_by_year()]
    assert (years[0], years[-1]) == (2005, 2024)
    assert Attendance.objects.count() > 5_000
    # The growers come from the nine villages.
    assert Grower.objects.filter(association=pear).values("village").distinct().count() == 9
    totals = {row["season"]: row["total_kg"] for row in Harvest.objects.totals_by_year()}
    assert totals[2004] == 30_000
    assert totals[2024] == 3_400_000
    assert all(totals[year] > 0 for year in range(2004, 2025))
    assert Harvest.objects.filter(cultivar__name="云南红梨").exists()
    store = ColdStore.objects.get(association=pear)
    assert store.capacity_kg == 500_000
    assert store.stock_kg == StorageLot.objects.filter(store=store).aggregate(kg=Sum("remaining_kg"))["kg"]
    assert all(0 <= stock <= store.capacity_kg for _day, stock in stock_by_day(store=store))
    assert {b.product for b in ProcessingBatch.objects.all()} == {"vinegar", "wine"}
    assert ProductSale.objects.total_fen() > 0
    # Where the registry has members, some growers are those members, from their own village.
    for grower in Grower.objects.filter(member__isnull=False).select_related("member__household"):
        assert grower.name == grower.member.name
        assert grower.member.household.association_id == grower.village_id


def villages_without_members() -> None:
    township = Organisation.objects.create(code="LVHE", name="绿荷乡", kind=Organisation.Kind.TOWNSHIP)
    Organisation.objects.create(code="PEAR", name="甘田优质梨协会", kind=Organisation.Kind.SOCIAL, township=township)
    for code, name, _shares, _synthetic in collective_demo.ASSOCIATIONS:
        Organisation.objects.create(code=code, name=name, kind=Organisation.Kind.COLLECTIVE, township=township)


def test_without_registry_members_the_growers_stand_alone_and_loading_twice_changes_nothing(db):
    villages_without_members()
    demo.load()
    assert Grower.objects.count() == 180
    assert not Grower.objects.filter(member__isnull=False).exists()
    counts = {model: model.objects.count() for model in (Grower, TrainingSession, Attendance, Harvest, StorageLot)}
    demo.load()
    assert {model: model.objects.count() for model in counts} == counts


def test_the_demo_links_growers_to_collective_members_where_there_are_some(db):
    villages_without_members()
    household = Household.objects.create(association=Organisation.objects.get(code="GT01"), code="GT01-001")
    first = Member.objects.create(household=household, name="李福贵")
    second = Member.objects.create(household=household, name="杨春兰")
    demo.load()
    linked = {g.code: (g.name, g.member) for g in Grower.objects.filter(member__isnull=False)}
    assert linked == {"GT01-G001": ("李福贵", first), "GT01-G004": ("杨春兰", second)}
    before = {g.code: (g.name, g.member_id) for g in Grower.objects.all()}
    demo.load()
    assert {g.code: (g.name, g.member_id) for g in Grower.objects.all()} == before
