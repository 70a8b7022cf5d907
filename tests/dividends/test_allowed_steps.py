"""One home for the run's lifecycle: which role may take which step in which state, and which pools each sees.

`DistributionRun.allowed_steps(user)` is what the run page shows; the services refuse the same steps
with the same two halves (the role's rule, the run's state).
"""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dividends import services
from dividends.models import DistributionRun, Pool

Status = DistributionRun.Status


@pytest.fixture
def people(accountant, township_official, village_official_a, farmer_a):
    return {"accountant": accountant, "township": township_official, "village": village_official_a, "farmer": farmer_a}


def steps_by_role(run: DistributionRun, people: dict) -> dict[str, set[str]]:
    """Each role's allowed steps; a role with none is left out."""
    run = DistributionRun.objects.get(pk=run.pk)
    steps = {role: set(run.allowed_steps(user)) for role, user in people.items()}
    return {role: allowed for role, allowed in steps.items() if allowed}


def pay_everyone(run, world, accountant):
    for payer in (world.company, *world.associations.values()):
        services.mark_paid(user=accountant, run=run, payer=payer, paid_on=date(2025, 2, 1), bank_reference="B-1")
    run.refresh_from_db()
    return run


def test_each_state_allows_each_role_only_its_steps(appendix, compute, people):
    accountant, township = people["accountant"], people["township"]
    run = services.create_run(user=accountant, policy=appendix.policy)
    assert steps_by_role(run, people) == {"accountant": {"compute"}}

    run = compute(run)
    assert run.status == Status.COMPUTED
    assert steps_by_role(run, people) == {"accountant": {"compute", "publish"}}

    run = services.publish_notice(user=accountant, run=run, starts_on=date(2025, 1, 2), published_on=date(2025, 1, 2))
    # Anyone who sees a line may object to it while the notice is open (the rule is on the line).
    assert steps_by_role(run, people) == {
        "accountant": {"withdraw", "object"},
        "township": {"approve", "object"},
        "village": {"object"},
        "farmer": {"object"},
    }

    run = services.approve_run(
        user=township, run=run, resolution_date=date(2025, 1, 20), resolution_reference="决议2025-1号"
    )
    assert steps_by_role(run, people) == {
        "accountant": {"pay", "mark_paid", "reverse"},
        "village": {"pay", "mark_paid"},
    }

    run = pay_everyone(run, appendix, accountant)
    assert run.status == Status.PAID
    assert steps_by_role(run, people) == {"accountant": {"pay", "close", "reverse"}, "village": {"pay"}}

    reversal = services.reverse_run(user=accountant, run=run)
    # Reversed once, the run cannot be reversed again; its reversal is approved without a notice.
    assert steps_by_role(run, people)["accountant"] == {"pay", "close"}
    assert steps_by_role(reversal, people) == {"township": {"approve"}}

    run = services.close_run(user=accountant, run=run)
    assert steps_by_role(run, people) == {"accountant": {"pay"}, "village": {"pay"}}


def test_the_services_refuse_what_allowed_steps_leaves_out(appendix, compute, people):
    accountant, township = people["accountant"], people["township"]
    run = compute(appendix.policy)
    assert "approve" not in run.allowed_steps(township)
    with pytest.raises(ValidationError, match="Only a run in public notice can be approved"):
        services.approve_run(user=township, run=run, resolution_date=date(2025, 1, 20), resolution_reference="R")
    assert "publish" not in run.allowed_steps(township)
    with pytest.raises(PermissionDenied, match="Only the company accountant publishes"):
        services.publish_notice(user=township, run=run)
    assert "close" not in run.allowed_steps(accountant)
    with pytest.raises(ValidationError, match="Only a paid run can be closed"):
        services.close_run(user=accountant, run=run)
    assert "reverse" not in run.allowed_steps(accountant)
    with pytest.raises(ValidationError, match="Only an approved distribution can be reversed"):
        services.reverse_run(user=accountant, run=run)


def test_the_run_page_shows_the_buttons_of_the_allowed_steps(client, appendix, compute, people):
    run = services.publish_notice(
        user=people["accountant"],
        run=compute(appendix.policy),
        starts_on=date(2025, 1, 2),
        published_on=date(2025, 1, 2),
    )
    buttons = {
        "withdraw": reverse("dividends:run-withdraw", args=[run.pk]),
        "approve": reverse("dividends:run-approve", args=[run.pk]),
        "publish": reverse("dividends:run-publish", args=[run.pk]),
        "compute": reverse("dividends:run-compute", args=[run.pk]),
    }
    shown = {}
    for role in ("accountant", "township", "village"):
        client.force_login(people[role])
        response = client.get(reverse("dividends:run-detail", args=[run.pk]))
        shown[role] = {step for step, url in buttons.items() if url in response.content.decode()}
        assert shown[role] == set(response.context["steps"]) & set(buttons), role
    assert shown == {"accountant": {"withdraw"}, "township": {"approve"}, "village": set()}


def test_pools_are_visible_by_role(appendix, compute, people, village_official_b, association_staff):
    run = compute(appendix.policy)
    company_pools = set(Pool.objects.filter(run=run, association__isnull=True).values_list("pk", flat=True))
    a01 = set(Pool.objects.filter(run=run, association=appendix.associations["A01"]).values_list("pk", flat=True))
    a02 = set(Pool.objects.filter(run=run, association=appendix.associations["A02"]).values_list("pk", flat=True))
    assert company_pools and a01 and a02

    def visible(user) -> set[int]:
        return set(Pool.objects.visible_to(user).filter(run=run).values_list("pk", flat=True))

    assert visible(people["accountant"]) == visible(people["township"]) == company_pools | a01 | a02
    assert visible(people["village"]) == company_pools | a01
    assert visible(village_official_b) == company_pools | a02
    # The company-level pools are public in the notice; a farmer reads their association's figures in the portal.
    assert visible(people["farmer"]) == visible(association_staff) == company_pools
