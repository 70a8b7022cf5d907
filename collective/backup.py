"""Backups that restore: the database and the uploaded files in one dated, encrypted archive.

PostgreSQL is dumped with pg_dump's custom format and restored with pg_restore; the embedded mode's
SQLite is copied with SQLite's online-backup API (safe while the app runs). The media folder goes
alongside. The tar archive is encrypted with Fernet under BACKUP_ENCRYPTION_KEY: without the key the
archive is useless, so keep the key apart from the backups. docs/operations.md says how to run it.
"""

import io
import json
import sqlite3
import subprocess
import tarfile
import tempfile
from datetime import timedelta
from pathlib import Path

from cryptography.fernet import Fernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.utils import timezone

PREFIX = "gantian-"
SUFFIX = ".tar.enc"


def _fernet() -> Fernet:
    if not settings.BACKUP_ENCRYPTION_KEY:
        raise ImproperlyConfigured("Set BACKUP_ENCRYPTION_KEY (a Fernet key) to make or restore backups.")
    return Fernet(settings.BACKUP_ENCRYPTION_KEY)


def _pg_url(db: dict) -> str:
    return (
        f"postgresql://{db.get('USER') or ''}:{db.get('PASSWORD') or ''}@{db.get('HOST') or ''}:"
        f"{db.get('PORT') or 5432}/{db['NAME']}"
    )


def make_backup(*, directory: Path | None = None) -> Path:
    """Write gantian-YYYYMMDD-HHMMSS.tar.enc (database + media) into `directory` and return its path."""
    directory = Path(directory or settings.BACKUP_DIR)
    directory.mkdir(parents=True, exist_ok=True)
    fernet = _fernet()
    created = timezone.now()
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        if connection.vendor == "postgresql":
            dump = work / "database.pgdump"
            subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={dump}",
                 f"--dbname={_pg_url(connection.settings_dict)}"],
                check=True,
            )  # fmt: skip
        else:
            dump = work / "database.sqlite3"
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            with target:
                connection.connection.backup(target)
            target.close()
        manifest = {"created_at": created.isoformat(), "vendor": connection.vendor, "database": dump.name}
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
            archive.add(dump, arcname=dump.name)
            data = json.dumps(manifest).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
            media = Path(settings.MEDIA_ROOT)
            if media.is_dir():
                archive.add(media, arcname="media")
    path = directory / f"{PREFIX}{timezone.localtime(created):%Y%m%d-%H%M%S}{SUFFIX}"
    path.write_bytes(fernet.encrypt(buffer.getvalue()))
    return path


def prune_backups(*, directory: Path | None = None, keep_days: int | None = None) -> list[Path]:
    """Delete archives older than `keep_days` (BACKUP_KEEP_DAYS); return what was deleted."""
    directory = Path(directory or settings.BACKUP_DIR)
    keep_days = settings.BACKUP_KEEP_DAYS if keep_days is None else keep_days
    cutoff = (timezone.now() - timedelta(days=keep_days)).timestamp()
    removed = [p for p in directory.glob(f"{PREFIX}*{SUFFIX}") if p.stat().st_mtime < cutoff]
    for path in removed:
        path.unlink()
    return removed


def restore(*, archive: Path, database: dict | None = None, media_root: Path | None = None) -> dict:
    """Restore an archive into an empty database (Django's default unless `database` is given) and media folder.

    Refuses a database that already has tables: a restore never mixes two states.
    """
    database = database or connection.settings_dict
    media_root = Path(media_root or settings.MEDIA_ROOT)
    payload = _fernet().decrypt(Path(archive).read_bytes())
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        with tarfile.open(fileobj=io.BytesIO(payload), mode="r:gz") as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
        engine = "postgresql" if "postgresql" in database["ENGINE"] else "sqlite"
        if engine != manifest["vendor"]:
            raise ValueError(f"This archive holds a {manifest['vendor']} database, not {engine}.")
        if engine == "postgresql":
            url = _pg_url(database)
            tables = subprocess.run(
                ["psql", "--no-psqlrc", "-tAc", "select count(*) from pg_tables where schemaname = 'public'", url],
                check=True, capture_output=True, text=True,
            ).stdout.strip()  # fmt: skip
            if tables != "0":
                raise ValueError("The database is not empty: restore into a new, empty database.")
            subprocess.run(
                ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", f"--dbname={url}",
                 str(work / manifest["database"])],
                check=True,
            )  # fmt: skip
        else:
            target = sqlite3.connect(database["NAME"])
            if target.execute("select count(*) from sqlite_master where type = 'table'").fetchone()[0]:
                target.close()
                raise ValueError("The database is not empty: restore into a new, empty database.")
            source = sqlite3.connect(work / manifest["database"])
            source.backup(target)
            source.close()
            target.close()
        if (work / "media").is_dir():
            media_root.mkdir(parents=True, exist_ok=True)
            for item in (work / "media").rglob("*"):
                if item.is_file():
                    destination = media_root / item.relative_to(work / "media")
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    destination.write_bytes(item.read_bytes())
    return manifest
