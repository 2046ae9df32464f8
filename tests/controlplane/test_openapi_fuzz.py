"""schemathesis over the API's OpenAPI schema, against a real uvicorn server: no input makes it answer 5xx.

Every operation of /api/openapi.json gets generated requests (valid and invalid bodies, paths, query strings),
sent with an admin API token of a user who owns an org, so that the generated calls get past authentication
and reach the endpoints' own checks. The one check here is schemathesis' `not_a_server_error`.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi.testclient import TestClient
from helpers import bearer, csrf_headers, new_token, served, signup
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error

from podium_cp.api import create_app
from podium_cp.settings import Settings

# Examples per operation: enough to hit each endpoint's refusals, small enough for CI (about a minute in all).
EXAMPLES = 12


@pytest.fixture
def live_api(settings: Settings, api: TestClient) -> Iterator[tuple[str, dict[str, str]]]:
    """A real server on a free port, and the headers of a signed-in org owner's admin token."""
    signup(api, "fuzzer")
    assert api.post("/api/orgs", json={"name": "acme"}, headers=csrf_headers(api)).status_code == 201
    headers = bearer(new_token(api, ("read", "write", "admin")))
    with served(create_app(settings)) as url:
        yield url, headers


def test_no_input_makes_the_api_fail(live_api: tuple[str, dict[str, str]]) -> None:
    base_url, headers = live_api
    schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True,
            database=None,
        )
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate(base_url=base_url, headers=headers, checks=[not_a_server_error])

        try:
            run()
        except Exception as error:  # noqa: BLE001 - collect every operation's failure, then report them all
            failures.append(f"{operation.method.upper()} {operation.path}: {str(error)[:600]}")
    assert operations >= 30, f"only {operations} operations in the schema"
    assert not failures, "\n\n".join(failures)
