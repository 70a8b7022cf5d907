from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembershipConfig(AppConfig):
    name = "membership"
    verbose_name = _("Membership identification")

    def ready(self) -> None:
        from collective.hooks import quantification_checks
        from membership.services import refuse_quantification_without_final_list

        if refuse_quantification_without_final_list not in quantification_checks:
            quantification_checks.append(refuse_quantification_without_final_list)
