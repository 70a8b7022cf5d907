"""A save that changes nothing records no history.

django-simple-history writes a historical row on every save, so saving an unchanged object (loading the
demo a second time, a form posted as it was) filled the audit trail with rows that say nothing. Before any
save of a model with history, `skip_unchanged_history` compares the fields the history keeps with the
object's latest historical row; when they are all equal it sets simple-history's own switch,
`skip_history_when_saving` (the one `save_without_historical_record` uses), and `clear_skip_marker` takes it
off again after the save. A save carrying a change reason (`_change_reason`) is always recorded: the
reason is itself what the audit must keep. Connected for every model in CollectiveConfig.ready().
"""

from __future__ import annotations

from django.db import models

# Set beside simple-history's switch so only the switch this module set is taken off again.
MARKER = "_history_unchanged"


def _tracked_attnames(model: type[models.Model]) -> list[str]:
    """The columns the model's historical table copies (excluded fields are not in it)."""
    history_model = getattr(model, model._meta.simple_history_manager_attribute).model
    kept = {field.attname for field in history_model._meta.concrete_fields}
    return [field.attname for field in model._meta.concrete_fields if field.attname in kept]


def unchanged_since_last_record(instance: models.Model) -> bool:
    """Whether every field the history keeps equals the object's latest historical row."""
    model = type(instance)
    attnames = _tracked_attnames(model)
    manager = getattr(model, model._meta.simple_history_manager_attribute)
    latest = (
        manager.filter(**{model._meta.pk.attname: instance.pk})
        .order_by("-history_date", "-history_id")
        .values(*attnames)
        .first()
    )
    if latest is None:
        return False
    return all(latest[name] == getattr(instance, name) for name in attnames)


def skip_unchanged_history(sender, instance, raw=False, **kwargs) -> None:
    if not hasattr(sender._meta, "simple_history_manager_attribute"):
        return
    if instance.__dict__.pop(MARKER, False):
        # A save that failed after the check left the switch on: this save is judged afresh.
        instance.__dict__.pop("skip_history_when_saving", None)
    if raw or instance._state.adding or instance.pk is None or hasattr(instance, "skip_history_when_saving"):
        return
    if getattr(instance, "_change_reason", None):
        return
    if unchanged_since_last_record(instance):
        instance.skip_history_when_saving = True
        setattr(instance, MARKER, True)


def clear_skip_marker(sender, instance, **kwargs) -> None:
    if instance.__dict__.pop(MARKER, False):
        instance.__dict__.pop("skip_history_when_saving", None)


def connect() -> None:
    """Run the check before every save and clear its switch after (simple-history's own post_save runs first)."""
    models.signals.pre_save.connect(skip_unchanged_history, dispatch_uid="collective.history.skip_unchanged")
    models.signals.post_save.connect(clear_skip_marker, dispatch_uid="collective.history.clear_skip_marker")
