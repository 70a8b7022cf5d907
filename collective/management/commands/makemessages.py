"""makemessages that keeps each app's strings, its templates' included, in the app's own catalogue.

Project templates live in templates/<app>/; Django would put their strings in the project
catalogue. Here they go to <app>/locale/, so each app owns one complete catalogue, and
`--app land` updates only that app's.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.commands import makemessages

APPS = ("collective", "land", "dividends", "books", "association")


class Command(makemessages.Command):
    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--app", choices=APPS, help="Only update this app's catalogue.")

    def handle(self, *args, **options):
        self.only_app = options.pop("app")
        options["ignore_patterns"] = [
            *options.get("ignore_patterns", []),
            ".venv",
            "node_modules",
            "staticfiles",
            "tests",
        ]
        # Line numbers in the catalogues would change with every edit and bury real changes in diffs.
        options["no_location"] = True
        return super().handle(*args, **options)

    def find_files(self, root):
        files = super().find_files(root)
        templates = Path(settings.BASE_DIR, "templates").resolve()
        kept = []
        for translatable in files:
            path = Path(translatable.dirpath, translatable.file).resolve()
            app = self.app_of(path, templates)
            if app:
                translatable.locale_dir = str(Path(settings.BASE_DIR, app, "locale").resolve())
            if self.only_app is None or app == self.only_app:
                kept.append(translatable)
        return kept

    @staticmethod
    def app_of(path: Path, templates: Path) -> str | None:
        base = Path(settings.BASE_DIR).resolve()
        for app in APPS:
            if path.is_relative_to(base / app) or path.is_relative_to(templates / app):
                return app
        return None
