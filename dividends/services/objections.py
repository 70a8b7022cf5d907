"""Objections (异议) against a line during the public notice, and their answers."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from collective.models import User
from dividends.models import DistributionRun, Objection, Payout


@transaction.atomic
def lodge_objection(*, user: User, payout: Payout, text: str) -> Objection:
    """A farmer of the household, or an official who sees the line, objects to it while the notice is open."""
    if not user.has_perm("dividends.lodge_objection", payout):
        raise PermissionDenied(_("You may not object to this line."))
    run = DistributionRun.objects.select_for_update().get(pk=payout.run_id)
    if not run.step_is_open("object"):
        raise ValidationError(_("Objections are lodged while the distribution is in public notice."))
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Say what is wrong with this line.")})
    return Objection.objects.create(
        run=run, household_id=payout.household_id, payout=payout, amount_fen=payout.total_fen, raised_by=user, text=text
    )


@transaction.atomic
def answer_objection(*, user: User, objection: Objection, answer: str) -> Objection:
    """Answer an objection; once every objection is answered the run may be approved."""
    if not user.has_perm("dividends.answer_objection", objection):
        raise PermissionDenied(_("You may not answer this objection."))
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    if not objection.is_open:
        raise ValidationError(_("This objection is already answered."))
    answer = answer.strip()
    if not answer:
        raise ValidationError({"answer": _("Write the answer the household will read.")})
    objection.status = Objection.Status.ANSWERED
    objection.answer = answer
    objection.answered_by = user
    objection.answered_at = timezone.now()
    objection.save()
    return objection
