"""Hostile JSON at the API: every write operation's body, fuzzed (hypothesis, derandomized).

Each body is a valid one with parts kept, dropped or replaced by any JSON value (nested,
huge numbers, NaN, control characters, wrong types), or no JSON object at all. The invariants,
as for the HTML forms (test_fuzzing): no answer is a server error, a refusal is a problem
document and stores nothing, and what an accepted body stored reads back through the API.
"""

import json
import string
import uuid
from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from milequest.extensions import db
from milequest.models import User
from milequest.services.walkers import api_tokens
from tests.api_helpers import bearer
from tests.blueprints.test_fuzzing import FUZZ, HOSTILE, MISSING, World, redis_client, row_counts
from tests.blueprints.test_fuzzing import world as world  # the fixture
from tests.factories import log, make_user

TODAY = date.today().isoformat()
ACTIVITY = {
    "distance": "3.5",
    "unit": "km",
    "activity_date": TODAY,
    "kind": "walk",
    "duration_minutes": "45",
    "note": "Along the loch",
}
HEALTH_EXPORT = {
    "data": {
        "metrics": [
            {"name": "step_count", "units": "count", "data": [{"date": TODAY, "qty": 8000}]},
            {
                "name": "walking_running_distance",
                "units": "km",
                "data": [{"date": f"{TODAY} 00:00:00 +0000", "qty": 6.1}],
            },
        ]
    }
}
# Every API operation that changes something: (method, path, a valid JSON body or None).
WRITES = {
    "api.create_activity": ("POST", "/api/v1/me/activities", ACTIVITY),
    "api.edit_activity": ("PATCH", "/api/v1/me/activities/{activity_id}", ACTIVITY),
    "api.delete_activity": ("DELETE", "/api/v1/me/activities/{activity_id}", None),
    "api.set_weekly_goal": ("PUT", "/api/v1/me/weekly-goal", {"weekly_goal_m": 20_000}),
    "api.daily_totals": ("POST", "/api/v1/health/daily-totals?source=phone", HEALTH_EXPORT),
    "api.create_import": ("POST", "/api/v1/imports", {}),  # multipart: JSON must be refused
}
READ_BACK = ["/api/v1/me/activities", "/api/v1/me/achievements", "/api/v1/me"]

JSON_LEAVES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**80), 2**80),
    st.floats(),  # NaN and infinities too: Python's JSON writes and reads them
    st.text(st.characters(exclude_categories=("Cs",)), max_size=30),
    HOSTILE.filter(lambda value: isinstance(value, str)),
)
ANY_JSON = st.recursive(
    JSON_LEAVES,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def mutated(valid):
    """`valid` with each part kept, replaced by any JSON, or (in objects) left out."""
    if isinstance(valid, dict):
        parts = {k: st.one_of(st.just(MISSING), mutated(v)) for k, v in valid.items()}
        kept = st.fixed_dictionaries(parts).map(
            lambda d: {k: v for k, v in d.items() if v is not MISSING}
        )
        extra = st.dictionaries(st.text(string.ascii_letters, max_size=8), ANY_JSON, max_size=2)
        return st.one_of(st.builds(lambda a, b: {**b, **a}, kept, extra), ANY_JSON)
    if isinstance(valid, list):
        return st.one_of(st.lists(mutated(valid[0]), max_size=3), ANY_JSON)
    return st.one_of(st.just(valid), ANY_JSON)


TOO_DEEP = b"[" * 5000 + b"]" * 5000  # a RecursionError in the decoder: was a 500
RAW_BODIES = st.sampled_from(
    [b"", b"{", b'{"distance": }', b"\x00", TOO_DEEP, b"\xff\xfe", b"null"]
)
IDEMPOTENCY_KEYS = st.one_of(
    st.none(), st.just(str(uuid.uuid4())), st.text(string.printable.strip() + " \t", max_size=80)
)


@pytest.fixture
def writer(world: World):
    walker = make_user(display_name="Token Fuzz")
    world.ids["writer_id"] = walker.id
    return api_tokens.create_token(walker, "script", "write", api_tokens.LIFETIMES_DAYS[0]).secret


@pytest.mark.parametrize("endpoint", sorted(WRITES))
def test_every_write_refuses_hostile_json_cleanly(app, client, world, writer, endpoint):
    method, path, valid = WRITES[endpoint]
    url = path.format(activity_id=_writers_walk(world))  # the writer's own walk

    @settings(FUZZ, max_examples=40)
    @example(body=valid, raw=TOO_DEEP, key=None)
    @given(
        body=mutated(valid) if valid is not None else ANY_JSON,
        raw=st.one_of(st.none(), RAW_BODIES),
        key=IDEMPOTENCY_KEYS,
    )
    def check(body, raw, key):
        headers = bearer(writer) | {"Content-Type": "application/json"}
        if key is not None:
            headers["Idempotency-Key"] = key
        data = raw if raw is not None else json.dumps(body)
        _request(app, client, method, url, headers, data)

    check()
    for page in READ_BACK:
        response = client.get(page, headers=bearer(writer))
        assert response.status_code == 200, f"{page} after fuzzing {endpoint}: {response.data!r}"


def test_every_write_operation_is_fuzzed(app):
    writes = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.") and rule.methods - {"GET", "HEAD", "OPTIONS"}
    }
    assert writes == set(WRITES)


def _writers_walk(world: World) -> int:
    return log(db.session.get(User, world.ids["writer_id"]), 2.0).id


def _request(app, client, method: str, url: str, headers: dict, data: bytes | str):
    redis_client(app).flushdb()  # rate limits would answer 429 before the body is read
    before = row_counts()
    response = client.open(url, method=method, headers=headers, data=data)
    what = f"{method} {url} {str(data)[:500]!r} {headers.get('Idempotency-Key')!r}"
    assert response.status_code < 500, f"{response.status_code} for {what}\n{response.data!r}"
    if response.status_code >= 400:
        assert response.content_type == "application/problem+json", what
        after = row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after.get(t)}
        assert not changed, f"refused {what} ({response.status_code}) stored {changed}"
