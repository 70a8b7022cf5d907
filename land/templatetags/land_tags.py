from django import template

from land.models import LandTransferContract, RentInstallment

register = template.Library()

REMINDER_LIMIT = 20


@register.inclusion_tag("land/_reminders.html", takes_context=True)
def land_reminders(context) -> dict:
    """List what the daily job marked: contracts expiring within 90 days and rent overdue, as the user may see."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("land.view_land"):
        return {"show": False}
    expiring = (
        LandTransferContract.objects.visible_to(user)
        .filter(expiring_soon=True)
        .select_related("household")
        .order_by("end_date", "number")
    )
    overdue = (
        RentInstallment.objects.visible_to(user)
        .filter(overdue=True)
        .with_paid()
        .select_related("contract__household")
        .order_by("due_date", "contract__number")
    )
    overdue_rows = list(overdue[:REMINDER_LIMIT])
    for row in overdue_rows:
        row.outstanding_fen = row.amount_fen - row.paid_total_fen
    return {
        "show": True,
        "expiring": list(expiring[:REMINDER_LIMIT]),
        "expiring_count": expiring.count(),
        "overdue": overdue_rows,
        "overdue_count": overdue.count(),
    }
