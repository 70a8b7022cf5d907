"""The apps are floors: each imports only the apps beneath it (docs/architecture.md)."""

import ast
from pathlib import Path

import pytest
from django.conf import settings

from portal.management.commands.makemessages import project_apps

BASE_DIR = Path(settings.BASE_DIR)

# From the ground floor up. An app may import itself and any app listed before it, never one after.
FLOORS = ["collective", "land", "books", "dividends", "association", "membership", "assets", "desk", "portal"]


def imported_apps(app: str) -> dict[str, set[str]]:
    """Each project app the app's modules import, with the files that import it."""
    found: dict[str, set[str]] = {}
    for path in sorted((BASE_DIR / app).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                found.setdefault(name.split(".")[0], set()).add(str(path.relative_to(BASE_DIR)))
    return found


def test_every_project_app_has_a_floor():
    assert sorted(project_apps()) == sorted(FLOORS)


@pytest.mark.parametrize("app", FLOORS)
def test_an_app_imports_only_the_apps_beneath_it(app):
    above = set(FLOORS[FLOORS.index(app) + 1 :])
    upward = {name: sorted(files) for name, files in imported_apps(app).items() if name in above}
    assert upward == {}, f"{app} imports apps above it: {upward}"


def test_the_walk_reads_the_imports():
    """The walk really reads imports: the portal imports dividends, collective itself."""
    assert "collective" in imported_apps("collective")
    assert "dividends" in imported_apps("portal")
