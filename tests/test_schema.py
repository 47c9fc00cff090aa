"""schemathesis against the app's own OpenAPI schema: generated requests (valid and invalid) to every
operation, a bounded number per operation, over the real Assistant; no response may be a 5xx."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, settings

schemathesis = pytest.importorskip("schemathesis")
from schemathesis.checks import not_a_server_error  # noqa: E402

from rag.server import create_app  # noqa: E402

EXAMPLES = 30  # per operation; 4 operations

# The schema is collected before fixtures exist, so the app opens its Assistant lazily, on the first
# request, from the session's `assistant` fixture (bound below). The OpenAPI document does not need it.
_session: dict = {}
app = create_app(lambda: _session["assistant"])
schema = schemathesis.openapi.from_dict(app.openapi())
schema.app = app


@pytest.fixture(scope="module", autouse=True)
def _bind_assistant(assistant):
    _session["assistant"] = assistant


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors(case):
    response = case.call(base_url="http://localhost")  # a Host name the app answers
    case.validate_response(response, checks=[not_a_server_error])
    assert "Traceback" not in response.text
