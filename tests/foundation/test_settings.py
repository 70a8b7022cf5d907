import json
import os
import subprocess
import sys

import pytest
from django.conf import settings

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'engine': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'eager': s.CELERY_TASK_ALWAYS_EAGER, 'broker': s.CELERY_BROKER_URL, 'debug': s.DEBUG, "
    "'language': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE, 'cache': s.CACHES['default']['BACKEND'], "
    "'sessions': s.SESSION_ENGINE}))"
)


def load_settings(**env: str) -> dict:
    clean = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "CELERY_BROKER_URL", "DEBUG"}
    }
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def production_env() -> dict:
    return {
        "DEBUG": "false",
        "SECRET_KEY": "a-real-production-secret-that-is-long-and-random-0123456789abcdef",
        "ALLOWED_HOSTS": "gantian.example.org",
        "PII_ENCRYPTION_KEY": "J2mT9Yl3b7s3r0y7r1n0b9t2zQ4qk8pX1yV6cW5uE0o=",
        "PII_HASH_KEY": "production-hash-key",
        "DATABASE_URL": "postgres://gantian:secret@db:5432/gantian",
        "CELERY_BROKER_URL": "redis://redis:6379/0",
        "CACHE_URL": "redis://redis:6379/1",
    }


def test_embedded_mode_is_the_default():
    loaded = load_settings()
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"].endswith("db.sqlite3")
    assert loaded["eager"] is True
    assert loaded["language"] == "zh-hans"
    assert loaded["tz"] == "Asia/Shanghai"
    assert loaded["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert loaded["sessions"] == "django.contrib.sessions.backends.db"


def test_production_mode_uses_postgresql_and_a_real_broker():
    loaded = load_settings(**production_env())
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "gantian"
    assert loaded["eager"] is False
    assert loaded["broker"] == "redis://redis:6379/0"
    assert loaded["debug"] is False
    # Every web process counts the API's throttles in one Redis cache and reads sessions from it first.
    assert loaded["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert loaded["sessions"] == "django.contrib.sessions.backends.cached_db"


@pytest.mark.parametrize("variable", ["CACHE_URL", "SECRET_KEY"])
def test_production_refuses_to_start_without_a_required_variable(variable):
    """Without a shared cache the API's throttles count per process; without a key nothing is signed."""
    env = production_env()
    del env[variable]
    clean = {key: value for key, value in os.environ.items() if key != variable}
    clean.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=settings.BASE_DIR, env=clean, capture_output=True, text=True
    )
    assert result.returncode != 0
    assert variable in result.stderr


def test_deploy_checks_pass_with_production_variables():
    # The browser tests' DJANGO_ALLOW_ASYNC_UNSAFE must not leak into a production check.
    clean = {key: value for key, value in os.environ.items() if key != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean.update(production_env(), DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=clean,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
