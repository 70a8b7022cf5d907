"""Backups that restore: the demo, backed up and restored into a fresh database, has every row and every fen."""

import sqlite3
import time

import psycopg
import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection

from collective import backup


def _counts(cursor, tables: list[str]) -> dict[str, int]:
    counts = {}
    for table in tables:
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = cursor.fetchone()[0]
    cursor.execute("SELECT COUNT(*), SUM(total_fen), SUM(rent_fen), SUM(share_dividend_fen) FROM dividends_payout")
    counts["payout sums"] = tuple(int(v or 0) for v in cursor.fetchone())
    return counts


@pytest.mark.django_db(transaction=True)
def test_the_demo_backed_up_restores_into_a_fresh_database_with_every_row(settings, tmp_path):
    settings.BACKUP_ENCRYPTION_KEY = Fernet.generate_key().decode()
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media" / "contracts").mkdir(parents=True)
    (tmp_path / "media" / "contracts" / "scan.pdf").write_bytes(b"%PDF-1.4 scan")
    call_command("load_gantian_demo", verbosity=0)
    tables = connection.introspection.table_names()
    with connection.cursor() as cursor:
        before = _counts(cursor, tables)
    assert before["payout sums"][0] > 0

    started = time.monotonic()
    archive = backup.make_backup(directory=tmp_path / "backups")
    backed_up = time.monotonic() - started
    assert archive.name.startswith("gantian-") and archive.name.endswith(".tar.enc")
    assert b"PGDMP" not in archive.read_bytes()[:100] and b"SQLite" not in archive.read_bytes()[:100]

    restored_media = tmp_path / "restored-media"
    if connection.vendor == "postgresql":
        fresh = {**connection.settings_dict, "NAME": f"{connection.settings_dict['NAME']}_restore"}
        admin = psycopg.connect(backup._pg_url({**fresh, "NAME": "postgres"}), autocommit=True)
        admin.execute(f'DROP DATABASE IF EXISTS "{fresh["NAME"]}"')
        admin.execute(f'CREATE DATABASE "{fresh["NAME"]}"')
        try:
            started = time.monotonic()
            backup.restore(archive=archive, database=fresh, media_root=restored_media)
            restored_in = time.monotonic() - started
            with psycopg.connect(backup._pg_url(fresh)) as restored:
                after = _counts(restored.cursor(), tables)
            # A second restore into the now full database is refused.
            with pytest.raises(ValueError, match="not empty"):
                backup.restore(archive=archive, database=fresh, media_root=restored_media)
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{fresh["NAME"]}" WITH (FORCE)')
            admin.close()
    else:
        fresh = {**connection.settings_dict, "NAME": str(tmp_path / "restored.sqlite3")}
        started = time.monotonic()
        backup.restore(archive=archive, database=fresh, media_root=restored_media)
        restored_in = time.monotonic() - started
        restored = sqlite3.connect(fresh["NAME"])
        after = _counts(restored.cursor(), tables)
        restored.close()
        with pytest.raises(ValueError, match="not empty"):
            backup.restore(archive=archive, database=fresh, media_root=restored_media)
    print(f"{connection.vendor}: backup {backed_up:.1f} s, restore {restored_in:.1f} s, {archive.stat().st_size} bytes")
    assert after == before
    assert (restored_media / "contracts" / "scan.pdf").read_bytes() == b"%PDF-1.4 scan"


def test_archives_older_than_the_retention_are_pruned(settings, tmp_path):
    import os

    old = tmp_path / "gantian-20240101-023000.tar.enc"
    new = tmp_path / "gantian-20990101-023000.tar.enc"
    old.write_bytes(b"x")
    new.write_bytes(b"x")
    os.utime(old, (time.time() - 20 * 86400,) * 2)
    assert backup.prune_backups(directory=tmp_path, keep_days=14) == [old]
    assert new.exists() and not old.exists()


def test_without_a_key_there_is_no_backup(settings, tmp_path, db):
    from django.core.exceptions import ImproperlyConfigured

    settings.BACKUP_ENCRYPTION_KEY = ""
    with pytest.raises(ImproperlyConfigured, match="BACKUP_ENCRYPTION_KEY"):
        backup.make_backup(directory=tmp_path)
