"""The membership demo: GT01's completed round, whose final list equals its registry."""

from django.core.management import call_command

from collective.models import Organisation
from membership import demo, services
from membership.models import Objection, Round


def test_gt01_has_a_completed_round_whose_final_list_equals_its_registry(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("load_gantian_demo", verbosity=0)
    gt01 = Organisation.objects.get(code="GT01")
    round_ = Round.objects.get(association=gt01)
    assert round_.is_completed
    assert [(posting.number, posting.closed_on is not None) for posting in round_.postings.all()] == [
        (1, True),
        (2, True),
        (3, True),
    ]
    assert services.registry_differences(round_) == []
    assert len(services.final_member_ids(round_)) > 100
    objection = Objection.objects.get(posting__round=round_)
    assert objection.is_answered and objection.household.code == "GT01-001"
    # A second load of this part changes nothing (tests/foundation/test_demo.py loads the whole demo twice).
    assert demo.load() == round_
    assert Round.objects.filter(association=gt01).count() == 1
