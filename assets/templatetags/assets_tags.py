from django import template

register = template.Library()


@register.inclusion_tag("assets/_reminders.html", takes_context=True)
def ledger_reminders(context) -> dict:
    """The contracts ledger's reminders (marked by the daily job), as the user may see them; nothing for others."""
    from assets.services import reminder_lists

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("assets.view_assets"):
        return {"show": False}
    return {"show": True, **reminder_lists(user=user)}
