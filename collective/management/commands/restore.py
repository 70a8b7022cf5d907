from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from collective.backup import restore


class Command(BaseCommand):
    help = "Restore an archive made by `backup` into an empty database and the media folder (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, *args, archive: Path, **options):
        try:
            manifest = restore(archive=archive)
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"restored the {manifest['vendor']} backup of {manifest['created_at']}")
