"""The Gantian demo, collective part: the township, the nine associations, the company and its equity.

From the case study: a township (Lvhe) whose nine village collective economic associations
jointly own XingLv Agricultural Development, and the Gantian Premium Pear Association.
Synthetic (not in the paper, labelled `is_synthetic`): the eight other villages' names,
every association's number of company shares, and each association's registry: 100-250
households with their members (valid ID numbers of Yunnan regions), share types (population,
labour-age, collective), the holdings quantified on 2021-01-01, and a transfer, an inheritance
and a household split after it. Seeded, so every run builds the same people.
"""

import random
from dataclasses import replace
from datetime import date
from decimal import Decimal

from django.db import transaction

from collective import services
from collective.models import EquityEvent, Household, Member, Organisation, ShareEvent, ShareType, User
from collective.resident_id import make_id_number

TOWNSHIP_CODE = "LVHE"
COMPANY_CODE = "XINGLV"
PEAR_ASSOCIATION_CODE = "PEAR"
COMPANY_FOUNDED = date(2020, 6, 1)

# (code, name, company shares, synthetic?) — Gantian is in the paper; the other eight are synthetic.
ASSOCIATIONS = [
    ("GT01", "甘田村股份经济合作社", 200, False),
    ("GT02", "绿荷村股份经济合作社", 100, True),
    ("GT03", "中和村股份经济合作社", 100, True),
    ("GT04", "大坪村股份经济合作社", 100, True),
    ("GT05", "小河村股份经济合作社", 100, True),
    ("GT06", "松林村股份经济合作社", 100, True),
    ("GT07", "石头寨村股份经济合作社", 100, True),
    ("GT08", "龙潭村股份经济合作社", 100, True),
    ("GT09", "三家村股份经济合作社", 100, True),
]

DEMO_PASSWORD = "gantian-demo-2024"
FARMER_PHONE = "13800000001"
FARMER_HOUSEHOLD_CODE = "GT01-001"


def upsert_organisation(code: str, **fields) -> Organisation:
    organisation, _ = Organisation.objects.update_or_create(code=code, defaults=fields)
    return organisation


@transaction.atomic
def load() -> list[tuple[str, str]]:
    """Create the organisations, the company's equity and one login per role; return the logins."""
    township = upsert_organisation(TOWNSHIP_CODE, name="绿荷乡", kind=Organisation.Kind.TOWNSHIP)
    company = upsert_organisation(
        COMPANY_CODE, name="兴绿农业开发有限公司", kind=Organisation.Kind.COMPANY, township=township
    )
    pear = upsert_organisation(
        PEAR_ASSOCIATION_CODE, name="甘田优质梨协会", kind=Organisation.Kind.SOCIAL, township=township
    )
    associations = {}
    for code, name, shares, synthetic in ASSOCIATIONS:
        association = upsert_organisation(
            code, name=name, kind=Organisation.Kind.COLLECTIVE, township=township, is_synthetic=synthetic
        )
        associations[code] = association
        EquityEvent.objects.get_or_create(
            company=company,
            holder=association,
            reason=EquityEvent.Reason.FOUNDING,
            effective_date=COMPANY_FOUNDED,
            defaults={"shares_delta": shares, "note": "synthetic"},
        )

    # The farmer's household; the registry part of the demo fills it with members and shares.
    farmer_household, _ = Household.objects.get_or_create(
        code=FARMER_HOUSEHOLD_CODE,
        defaults={"association": associations["GT01"], "village_group": "一组", "is_synthetic": True},
    )
    logins = [
        ("township", User.Role.TOWNSHIP, {"organisation": township}),
        ("accountant", User.Role.ACCOUNTANT, {"organisation": company}),
        ("village01", User.Role.VILLAGE, {"organisation": associations["GT01"]}),
        ("village02", User.Role.VILLAGE, {"organisation": associations["GT02"]}),
        ("pear", User.Role.ASSOCIATION_STAFF, {"organisation": pear}),
        (FARMER_PHONE, User.Role.FARMER, {"household": farmer_household, "phone": FARMER_PHONE}),
    ]
    for username, role, fields in logins:
        user, created = User.objects.get_or_create(username=username, defaults={"role": role, **fields})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "", DEMO_PASSWORD, role=User.Role.TOWNSHIP, organisation=township)
    load_registry()
    return [(username, role.label) for username, role, _ in logins] + [("admin", "superuser")]


# --- The registry: synthetic households, members, share types and quantified holdings --------------
# Everything below is synthetic (labelled is_synthetic): the paper names no households.

REGISTRY_BASE_DATE = date(2021, 1, 1)
# Yunnan region codes (Kunming 5301xx, the retired 5302xx, Qujing 5303xx): people keep their numbers.
REGIONS = [
    "530102", "530103", "530111", "530112", "530113", "530114", "530121", "530122", "530124", "530125",
    "530126", "530127", "530128", "530129", "530181", "530202", "530302", "530321", "530322", "530323",
    "530324", "530325", "530326", "530381",
]  # fmt: skip
SURNAMES = "李王张杨赵刘陈段普字白何罗苏马周黄施鲁和"
GIVEN_MALE = "国文建华明志强军伟春海永成福贵林德兴荣顺发光平安"
GIVEN_FEMALE = "秀英兰芳丽珍凤琼梅桂玉春燕萍花娟霞琴美红云仙"
GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组"]
BANKS = ["云南省农村信用社", "中国农业银行", "中国邮政储蓄银行"]


def _name(rng, surname: str, male: bool) -> str:
    letters = GIVEN_MALE if male else GIVEN_FEMALE
    return surname + "".join(rng.choice(letters) for _ in range(rng.choice((1, 2, 2))))


def _born(rng, first_year: int, last_year: int) -> date:
    return date(rng.randint(first_year, last_year), rng.randint(1, 12), rng.randint(1, 28))


class _Roster:
    """Deterministic synthetic members of one association, with unique valid ID numbers."""

    def __init__(self, code: str):
        self.rng = random.Random(f"gantian-demo-{code}")
        self.region = REGIONS[sum(map(ord, code)) % len(REGIONS)]
        self.id_numbers: set[str] = set()

    def person(self, *, surname: str, male: bool, born: date, relation: str, local: bool = True, **extra) -> dict:
        rng = self.rng
        region = self.region if local and rng.random() < 0.85 else rng.choice(REGIONS)
        while True:
            number = make_id_number(region, born, rng.randrange(0, 500) * 2 + (1 if male else 0))
            if number not in self.id_numbers:
                self.id_numbers.add(number)
                break
        return {
            "name": _name(rng, surname, male),
            "sex": Member.Sex.MALE if male else Member.Sex.FEMALE,
            "birth_date": born,
            "id_number": number,
            "relation": relation,
            **extra,
        }

    def household(self, index: int) -> list[dict]:
        """Return the members of a household: a head, usually a spouse, children, sometimes parents."""
        rng = self.rng
        surname = rng.choice(SURNAMES)
        other_surname = rng.choice(SURNAMES)
        head_male = rng.random() < 0.85
        if index % 15 == 7:
            # An elderly person living alone: the demo's inheritance happens in such a household.
            return [
                self.person(surname=surname, male=head_male, born=_born(rng, 1935, 1948), relation=Member.Relation.HEAD)
            ]
        head_born = _born(rng, 1945, 1990)
        people = [self.person(surname=surname, male=head_male, born=head_born, relation=Member.Relation.HEAD)]
        if rng.random() < 0.88:
            spouse_born = date(min(head_born.year + rng.randint(-4, 4), 1995), rng.randint(1, 12), rng.randint(1, 28))
            people.append(
                self.person(
                    surname=other_surname,
                    male=not head_male,
                    born=spouse_born,
                    relation=Member.Relation.SPOUSE,
                    local=False,
                )
            )
        for _child in range(rng.choice((0, 1, 1, 2, 2, 2, 3))):
            child_year = head_born.year + rng.randint(21, 34)
            if child_year > 2024:
                break
            male = rng.random() < 0.52
            child = self.person(
                surname=surname, male=male, born=_born(rng, child_year, child_year), relation=Member.Relation.CHILD
            )
            people.append(child)
            if child_year <= 1998 and rng.random() < 0.5:
                # A married child living at home, with grandchildren: the demo's split comes from such a household.
                people.append(
                    self.person(
                        surname=rng.choice(SURNAMES),
                        male=not male,
                        born=_born(rng, child_year - 2, child_year + 2),
                        relation=Member.Relation.CHILD_IN_LAW,
                        local=False,
                    )
                )
                for _grandchild in range(rng.choice((1, 1, 2))):
                    year = min(child_year + rng.randint(22, 30), 2024)
                    people.append(
                        self.person(
                            surname=surname,
                            male=rng.random() < 0.5,
                            born=_born(rng, year, year),
                            relation=Member.Relation.GRANDCHILD,
                        )
                    )
        if head_born.year >= 1965 and rng.random() < 0.2:
            people.append(
                self.person(
                    surname=surname,
                    male=rng.random() < 0.4,
                    born=_born(rng, 1932, 1950),
                    relation=Member.Relation.PARENT,
                )
            )
        # Some members died before the base date (not counted), some were born after it (not counted either).
        for person in people[1:]:
            if person["birth_date"].year < 1945 and rng.random() < 0.3:
                person["ceased_on"] = _born(rng, 2016, 2020)
                person["cease_reason"] = Member.CeaseReason.DEATH
        return people


def _share_types(association: Organisation) -> dict[str, ShareType]:
    specs = [
        ("population", "人口股", Decimal(1), False, "每名在册成员一股 (合成数据)"),
        ("labour", "劳龄股", Decimal("0.1"), False, "16至60岁间每满一年一股 (合成数据)"),
        ("collective", "集体股", Decimal(1), True, "合作社集体持有 (合成数据)"),
    ]
    types = {}
    for code, name, weight, collective, description in specs:
        types[code], _ = ShareType.objects.get_or_create(
            association=association,
            code=code,
            defaults={"name": name, "weight": weight, "is_collective": collective, "description": description},
        )
    return types


def _populate(association: Organisation, index: int) -> None:
    """Create the association's synthetic households and members in bulk (with their history rows)."""
    roster = _Roster(association.code)
    rng = roster.rng
    count = rng.randint(100, 250)
    village = association.name.replace("股份经济合作社", "")
    existing = {h.code: h for h in Household.objects.filter(association=association)}
    households, people_of = [], {}
    for number in range(1, count + 1):
        code = f"{association.code}-{number:03d}"
        people = roster.household(number)
        group = rng.choice(GROUPS)
        account = f"6217{index:02d}{rng.randrange(10**12):012d}{number:03d}"
        household = existing.get(code) or Household(association=association, code=code)
        household.village_group = household.village_group or group
        household.address = f"{village}{household.village_group}{number}号"
        household.established_on = date(rng.randint(1983, 2012), rng.randint(1, 12), 1)
        household.certificate_number = f"{association.code}GQ{number:04d}"
        household.bank_name = rng.choice(BANKS)
        household.bank_account = account
        household.is_synthetic = True
        households.append(household)
        people_of[code] = people
    new = [h for h in households if h.pk is None]
    Household.objects.bulk_create(new, batch_size=500)
    old = [h for h in households if h not in new]
    members = []
    for household in households:
        for person in people_of[household.code]:
            member = Member(
                household=household,
                association=association,
                name=person["name"],
                sex=person["sex"],
                birth_date=person["birth_date"],
                relation=person["relation"],
                phone=f"139{rng.randrange(10**8):08d}" if person["relation"] == Member.Relation.HEAD else "",
                ceased_on=person.get("ceased_on"),
                cease_reason=person.get("cease_reason", ""),
                is_synthetic=True,
            )
            member.id_number = person["id_number"]
            if household.code == FARMER_HOUSEHOLD_CODE and person["relation"] == Member.Relation.HEAD:
                member.phone = FARMER_PHONE
            members.append(member)
    Member.objects.bulk_create(members, batch_size=500)
    heads = {m.household_id: m for m in members if m.relation == Member.Relation.HEAD}
    for household in households:
        household.head = heads[household.pk]
    Household.objects.bulk_update(new, ["head"], batch_size=500)
    for household in old:
        household.save()
    Household.history.bulk_history_create(new, default_change_reason="synthetic demo")
    Member.history.bulk_history_create(members, default_change_reason="synthetic demo")


def _later_events(association: Organisation, types: dict[str, ShareType]) -> None:
    """A transfer, a death with its inheritance, and a household split, after the quantification."""
    population, labour = types["population"], types["labour"]
    households = list(
        Household.objects.filter(association=association).exclude(code=FARMER_HOUSEHOLD_CODE).order_by("code")
    )
    holdings = {
        (h.household_id, h.share_type_id): h.quantity
        for h in services.registry_as_of(association=association, as_of=date(2022, 1, 1))
    }
    held = [h for h in households if holdings.get((h.pk, population.pk), 0) >= 2]
    services.transfer_shares(
        from_household=held[0],
        to_household=held[1],
        share_type=population,
        quantity=Decimal(1),
        effective_date=date(2022, 3, 15),
        note="合成数据 - 户间转让",
    )
    alone = next(
        h for h in households if h.members.count() == 1 and holdings.get((h.pk, population.pk)) and h not in held[:2]
    )
    deceased = alone.members.get()
    services.cease_membership(member=deceased, ceased_on=date(2023, 5, 10), reason=Member.CeaseReason.DEATH,
                              note="合成数据")  # fmt: skip
    heir = next(h for h in held[2:] if h.pk != alone.pk)
    services.record_inheritance(
        deceased=deceased,
        heir=heir,
        quantities={
            share_type: holdings[alone.pk, share_type.pk]
            for share_type in (population, labour)
            if holdings.get((alone.pk, share_type.pk))
        },
        effective_date=date(2023, 6, 1),
        note="合成数据 - 继承",
    )
    services.merge_households(absorbed=alone, into=heir, effective_date=date(2023, 6, 1), note="合成数据 - 户绝注销")
    for source in households:
        married = source.members.filter(relation=Member.Relation.CHILD_IN_LAW, ceased_on__isnull=True).first()
        if married is None or source.pk in (held[0].pk, held[1].pk, heir.pk):
            continue
        child = source.members.filter(relation=Member.Relation.CHILD, ceased_on__isnull=True,
                                      birth_date__year__lte=1998).exclude(pk=source.head_id).first()  # fmt: skip
        if child is None:
            continue
        grandchildren = list(source.members.filter(relation=Member.Relation.GRANDCHILD, ceased_on__isnull=True))
        leaving = [child, married, *grandchildren]
        counted = [m for m in leaving if m.birth_date <= REGISTRY_BASE_DATE]
        whole = {t: holdings.get((source.pk, t.pk), Decimal(0)) for t in (population, labour)}
        moved = {
            population: min(Decimal(len(counted)), whole[population]),
            labour: min(
                Decimal(sum(services.labour_years(age=m.age_on(REGISTRY_BASE_DATE), from_age=16, to_age=60)
                            for m in counted)),
                whole[labour],
            ),
        }  # fmt: skip
        if not moved[population]:
            continue
        services.split_household(
            household=source,
            effective_date=date(2023, 9, 1),
            new_code=services.next_household_code(association=association),
            new_head=child,
            members=leaving,
            kept={t: whole[t] - moved[t] for t in whole},
            moved=moved,
            note="合成数据 - 分户",
        )
        break


def load_registry() -> None:
    """Fill each association's registry: households, members, share types, quantified holdings, later events."""
    for index, (code, *_rest) in enumerate(ASSOCIATIONS, start=1):
        association = Organisation.objects.get(code=code)
        types = _share_types(association)
        if ShareEvent.objects.filter(association=association).exists():
            continue
        if not Household.objects.filter(association=association).exclude(code=FARMER_HOUSEHOLD_CODE).exists():
            _populate(association, index)
        rule = services.QuantificationRule(
            base_date=REGISTRY_BASE_DATE,
            population_type=types["population"],
            labour_type=types["labour"],
            labour_from_age=16,
            labour_to_age=60,
            collective_type=types["collective"],
        )
        preview = services.preview_quantification(association=association, rule=rule)
        # The association keeps a fifth of the population shares as its collective share.
        rule = replace(rule, collective_quantity=(preview.population_total / 5).quantize(Decimal(1)))
        services.commit_quantification(association=association, rule=rule, note="合成数据 - 股权量化")
        _later_events(association, types)
