"""The Chinese interface must be complete: every string the code and templates mark is translated."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
SOURCES = ["config", "collective", "land", "dividends", "books", "association", "templates", "locale", "manage.py"]


def catalogues(root: Path) -> list[Path]:
    return sorted(p for p in root.glob("**/locale/zh_Hans/LC_MESSAGES/django.po") if ".venv" not in p.parts)


def test_every_catalogue_is_fully_translated_and_nothing_is_fuzzy():
    problems = []
    for path in catalogues(BASE_DIR):
        po = polib.pofile(str(path))
        problems += [f"{path.relative_to(BASE_DIR)}: untranslated {e.msgid!r}" for e in po.untranslated_entries()]
        problems += [f"{path.relative_to(BASE_DIR)}: fuzzy {e.msgid!r}" for e in po.fuzzy_entries()]
    assert problems == []


def test_every_marked_string_is_in_a_catalogue(tmp_path):
    """Extract the strings afresh from a copy of the sources; none may be missing from the catalogues."""
    for name in SOURCES:
        source = BASE_DIR / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
        else:
            shutil.copy(source, tmp_path / name)
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "-v0"],
        cwd=tmp_path,
        check=True,
        capture_output=True,
    )
    missing = []
    for path in catalogues(tmp_path):
        po = polib.pofile(str(path))
        missing += [f"{path.relative_to(tmp_path)}: {e.msgid!r}" for e in po.untranslated_entries()]
    assert missing == [], "run `make messages` and translate:\n" + "\n".join(missing)
