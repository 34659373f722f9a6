"""The gateway refuses a request body exactly when the log contract (``flatten_event``) would refuse its event.

The gateway used to check a request body by wrapping it in a probe event and
running ``flatten_event`` on it; it now runs only the request part
(``flatten_request``). The probe stays the oracle here: for valid and
mutated request bodies of every endpoint, the gateway's answer (status, code,
message, param) is the one the probe gave, so a body the gateway lets through
is never a bad line for ``scan``.
"""

from __future__ import annotations

import orjson
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_events_properties import mutated_events

from antidistill.events.schema import ENDPOINTS
from antidistill.events.validate import BadRecord, flatten_event
from antidistill.gateway.actions import Refused
from antidistill.gateway.app import _check

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def probe(endpoint: str, body) -> dict:
    return {"request_id": "probe", "ts": "2026-01-01T00:00:00Z", "account_id": "probe", "endpoint": endpoint,
            "status": 200, "request": body}


@st.composite
def mutated_requests(draw):
    """(endpoint, body): the request of a mutated spec event, as JSON gives it to the gateway, and an endpoint."""
    try:
        event = orjson.loads(draw(mutated_events()))
    except orjson.JSONDecodeError:  # integers past 64 bits, lone surrogates: the gateway never gets those
        assume(False)
    endpoint = event.get("endpoint") if event.get("endpoint") in ENDPOINTS and draw(st.booleans()) else draw(st.sampled_from(ENDPOINTS))
    return endpoint, event.get("request")


def _refusal(fn):
    try:
        fn()
    except Refused as exc:
        return exc.status, exc.body()
    return None


@SETTINGS
@given(mutated_requests())
def test_the_gateway_refuses_what_the_probe_refused_with_the_same_answer(case):
    endpoint, body = case

    def old_check():
        if type(body) is not dict:
            raise Refused(400, "invalid_request", "request body must be a JSON object")
        try:
            flatten_event(probe(endpoint, body), None, None)
        except BadRecord as exc:
            raise Refused(400, "invalid_request", f"{exc.field or 'request'}: {exc.reason}", extra={"param": exc.field}) from None

    assert _refusal(lambda: _check(endpoint, body)) == _refusal(old_check)


@pytest.mark.parametrize("body", [None, [], "x", 3, {"messages": "hi"}, {"messages": [{"role": "user", "content": 1}]},
                                  {"messages": [], "logit_bias": {"a": 1}}, {"messages": [], "n": -1}])
def test_refusals_name_the_field(body):
    got = _refusal(lambda: _check("/v1/chat/completions", body))
    assert got is not None and got[0] == 400
    if type(body) is dict:
        assert got[1]["error"]["param"].startswith("request.")
