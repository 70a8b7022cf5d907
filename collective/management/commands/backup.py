from django.core.management.base import BaseCommand

from collective.backup import make_backup, prune_backups


class Command(BaseCommand):
    help = "Back up the database and the uploaded files into a dated, encrypted archive (docs/operations.md)."

    def add_arguments(self, parser):
        parser.add_argument("--directory", help="Where to write the archive (BACKUP_DIR by default).")
        parser.add_argument("--prune", action="store_true", help="Also delete archives older than BACKUP_KEEP_DAYS.")

    def handle(self, *args, directory=None, prune=False, **options):
        path = make_backup(directory=directory)
        self.stdout.write(f"{path} ({path.stat().st_size} bytes)")
        if prune:
            for old in prune_backups(directory=directory):
                self.stdout.write(f"deleted {old}")
