"""The Gantian demo, collective part: the township, the nine associations, the company and its equity.

From the case study: a township (Lvhe) whose nine village collective economic associations
jointly own XingLv Agricultural Development, and the Gantian Premium Pear Association.
Synthetic (not in the paper, labelled `is_synthetic`): the eight other villages' names and
every association's number of company shares.
"""

from datetime import date

from django.db import transaction

from collective.models import EquityEvent, Household, Organisation, User

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
    return [(username, role.label) for username, role, _ in logins] + [("admin", "superuser")]
