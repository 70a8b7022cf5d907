from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DividendsConfig(AppConfig):
    name = "dividends"
    verbose_name = _("Dividends")

    def ready(self) -> None:
        from collective.hooks import share_event_checks
        from dividends.services.runs import refuse_share_event_before_approved_run

        if refuse_share_event_before_approved_run not in share_event_checks:
            share_event_checks.append(refuse_share_event_before_approved_run)
