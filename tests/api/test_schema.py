"""The OpenAPI schema validates strictly, is served with its documentation page, and the API keeps to it.

The Schemathesis test generates requests for every operation of the schema (all GET) and sends
them, with a real API key, to the app over WSGI: no response may be a server error or break the
schema. It is bounded (a few examples per operation) so it runs in about a minute.
"""

import json
import re

import pytest
import schemathesis
import yaml
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)


def test_the_schema_validates_without_a_single_warning(db, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = set(schema["paths"])
    assert {
        "/api/v1/households/",
        "/api/v1/distribution-runs/{id}/inputs/",
        "/api/v1/distribution-runs/{id}/payouts/",
        "/api/v1/reports/annual/",
        "/api/v1/share-holdings/",
        "/api/v1/pear/cold-stores/",
    } <= paths
    assert all(set(operations) == {"get"} for operations in schema["paths"].values())
    scheme = schema["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "Authorization")
    money = schema["components"]["schemas"]["Payout"]["properties"]
    assert money["total"]["pattern"] == r"^-?[0-9]+\.[0-9]{2}$" and money["total_fen"]["type"] == "integer"


def test_the_schema_is_served_to_keys_and_sessions_only(world, township_client, township_official):
    assert APIClient().get("/api/v1/schema/").status_code == 401
    response = township_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/payouts/" in json.loads(response.content)["paths"]
    client = APIClient()
    client.force_login(township_official)
    assert client.get("/api/v1/schema/").status_code == 200


def test_the_documentation_page_is_served_locally(client, township_official):
    assert client.get("/api/v1/docs/").status_code == 302  # log in first, like every page
    client.force_login(township_official)
    page = client.get("/api/v1/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert not re.search(r"(src|href)=\"https?://", page)
    # ReDoc cannot run under the CSP (its bundle writes <style> elements): its old address leads here.
    redoc = client.get("/api/v1/redoc/")
    assert redoc.status_code == 301 and redoc["Location"] == "/api/v1/docs/"


# --- Schemathesis ---------------------------------------------------------------------------------


@pytest.fixture
def api_key(world, make_key, township, settings):
    """A real township key over the appendix world; a throttle rate the test cannot reach.

    The requests go through Django's WSGI handler, which closes the database connection at the end
    of each request; like Django's test client, keep it open, or the test's transaction is lost.
    """
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "100000/minute", "api_session": "100000/minute"},
    }
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield make_key(township)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_schema():
    """The schema as drf-spectacular generates it (no database needed), sent to the app over WSGI."""
    raw = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(request=None, public=True)))
    loaded = schemathesis.openapi.from_dict(raw)
    loaded.app = get_wsgi_application()
    return loaded


# Loaded when the module is collected (Django is set up by then): Schemathesis' lazy fixture loader
# does not work with pytest 9.
schema = load_schema()


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_the_api_keeps_to_its_schema(case, api_key):
    case.call_and_validate(
        headers={"Authorization": f"Api-Key {api_key}"},
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )


def test_a_real_request_of_each_list_conforms_too(world, api_key):
    """Schemathesis' random ids and filters mostly miss; the world's real rows must fit the schema too."""
    for path in schema.raw_schema["paths"]:
        if "{" in path:
            continue
        case = schema[path]["GET"].Case(query={"year": 2024} if path == "/api/v1/reports/annual/" else {})
        response = case.call_and_validate(
            headers={"Authorization": f"Api-Key {api_key}"},
            checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        )
        assert response.status_code == 200, path


def test_a_run_document_of_real_lines_conforms_too(world, api_key):
    for document in ("inputs", "payouts"):
        case = schema[f"/api/v1/distribution-runs/{{id}}/{document}/"]["GET"].Case(path_parameters={"id": world.run.pk})
        response = case.call_and_validate(
            headers={"Authorization": f"Api-Key {api_key}"},
            checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
        )
        assert response.status_code == 200, document
