"""`make run` serves on the port asked for, and its banner names that address."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")


def planned_run(*args: str, env: dict[str, str] | None = None) -> list[str]:
    """The commands `make run` would execute (`make -n` prints them without running any)."""
    environment = {k: v for k, v in os.environ.items() if k not in {"PORT", "HOST"}} | (env or {})
    result = subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, env=environment, capture_output=True, text=True, check=True
    )
    return result.stdout.splitlines()


def served_and_announced(lines: list[str]) -> tuple[str, str]:
    runserver = next(line for line in lines if "runserver" in line)
    banner = next(line for line in lines if "Gantian runs on" in line)
    return runserver.split()[-1], banner


def test_make_run_serves_on_8000_by_default():
    address, banner = served_and_announced(planned_run())
    assert address == "127.0.0.1:8000"
    assert "http://127.0.0.1:8000 " in banner


def test_make_run_takes_the_port_from_the_command_line():
    address, banner = served_and_announced(planned_run("PORT=8001"))
    assert address == "127.0.0.1:8001"
    assert "http://127.0.0.1:8001 " in banner


def test_make_run_takes_the_port_from_the_environment():
    address, banner = served_and_announced(planned_run(env={"PORT": "8123"}))
    assert address == "127.0.0.1:8123"
    assert "http://127.0.0.1:8123 " in banner
