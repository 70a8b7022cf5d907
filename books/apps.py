from django.apps import AppConfig
from django.db.models.signals import post_save
from django.utils.translation import gettext_lazy as _


def _give_new_organisation_its_chart(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        from books.services import load_chart

        load_chart(organisation=instance)


class BooksConfig(AppConfig):
    name = "books"
    verbose_name = _("Books")

    def ready(self) -> None:
        from collective.models import Organisation

        post_save.connect(_give_new_organisation_its_chart, sender=Organisation, dispatch_uid="books_chart")
        from books import rules  # noqa: F401 - registers the permissions
