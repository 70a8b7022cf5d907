from django.apps import apps
from django.core.management import call_command


def snapshot() -> dict[str, int]:
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.app_label in {"collective", "land", "dividends", "association", "assets"}
        and not model._meta.label.split(".")[1].startswith("Historical")
    }


def history_snapshot() -> dict[str, int]:
    """The rows of every historical table, of every app."""
    return {
        model._meta.label: model.objects.count()
        for model in apps.get_models()
        if model._meta.label.split(".")[1].startswith("Historical")
    }


def test_loading_the_demo_twice_leaves_the_same_rows(db):
    call_command("load_gantian_demo", verbosity=0)
    first, history = snapshot(), history_snapshot()
    call_command("load_gantian_demo", verbosity=0)
    assert snapshot() == first
    # Nothing changed, so the audit trail says nothing new (Organisation, Grower, Cultivar, Certification...).
    assert {label: count for label, count in history_snapshot().items() if count != history[label]} == {}


def test_the_demo_has_the_township_the_nine_associations_and_the_company(db):
    from collective.models import EquityEvent, Organisation

    call_command("load_gantian_demo", verbosity=0)
    assert Organisation.objects.filter(kind=Organisation.Kind.TOWNSHIP).count() == 1
    assert Organisation.objects.collectives().count() == 9
    company = Organisation.objects.companies().get()
    assert company.name == "兴绿农业开发有限公司"
    holdings = EquityEvent.objects.holdings_as_of(company, __import__("datetime").date(2024, 12, 31))
    assert len(holdings) == 9
