"""Hostile input at scale: every HTML form's fields and every URL's path parameters, fuzzed.

Property-based (hypothesis, derandomized so a run is repeatable) through the test client, as a
logged-in walker who captains a team on a journey. The invariants, for every example: no answer
is a server error (5xx), and a submission that is refused (4xx) stores nothing (the rows of
every table are counted before and after).

Every POST view of the app is in FORMS (or NO_FUZZ, with the reason), and every URL rule is
requested with hostile path parameters, so a new form or URL is fuzzed from the day it is added.
"""

import io
import re
import string
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from werkzeug.routing import AnyConverter, IntegerConverter

from milequest.extensions import db
from milequest.models import User
from milequest.services.walkers import api_tokens
from tests import photo_samples
from tests.factories import (
    add_member,
    add_photo,
    log,
    make_draft,
    make_journey,
    make_team,
    make_user,
)
from tests.helpers import csrf_token, sign_in_as

# No shrinking: a failure reports the request it made (URL, fields, body) at once, and a run
# that finds a bug stays as short as one that does not.
FUZZ = settings(
    max_examples=5,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FEW = settings(FUZZ, max_examples=3)  # forms without fields of their own: the token and extras


@dataclass(frozen=True)
class Upload:
    """A file where the form expects text (or a file): made fresh for each request."""

    data: bytes
    name: str


MISSING = object()

# Text a browser (or a script) can send: any code point but lone surrogates (not encodable).
ANY_TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)
CONTROL_TEXT = st.text(
    st.characters(categories=("Cc", "Cf", "Zl", "Zp", "Mn", "Co")), min_size=1, max_size=8
)
ODD_VALUES = st.sampled_from(
    [
        "",
        " ",
        "\x00",
        "a\x00b",
        "x" * 100_000,
        "9" * 400,
        "1e999999",
        "-1e-999999",
        "NaN",
        "-Infinity",
        "\u0661\u0662\u0663",  # Arabic-Indic digits: int() accepts them
        "\u0663\u066b\u0665",  # 3.5 in Arabic-Indic digits
        "0001-01-01",
        "9999-12-31",
        "2024-02-30",
        "-0",
        "0x10",
        "%00",
        "../../etc/passwd",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "on",
        "null",
        "[]",
        "{}",
        "\ufeff",
        "\u202e",
        "😀" * 100,
    ]
)
HOSTILE = st.one_of(
    ANY_TEXT,
    CONTROL_TEXT,
    ODD_VALUES,
    st.integers(-(2**80), 2**80).map(str),
    st.floats().map(repr),
    st.builds(Upload, st.binary(max_size=64), st.sampled_from(["a.txt", "\x00.jpg", "x" * 300])),
)


def field(valid: object):
    """A field's value: missing, valid, hostile, or repeated (valid and hostile mixed)."""
    one = st.one_of(st.just(valid), HOSTILE)
    return st.one_of(st.just(MISSING), one, HOSTILE, st.lists(one, min_size=2, max_size=3))


# Tried in every field (and every path parameter) in turn, the others valid: the values that
# broke pages before (NUL reaching PostgreSQL, numbers past any column, a file for text).
FIELD_EDGES = ["a\x00b", "9" * 20, "\u00b2", Upload(b"%PDF", "notes.pdf")]  # "²".isdigit()
INT_EDGES = [str(2**31), str(2**63), "9" * 40]
TEXT_EDGES = ["\x00", "a\x00b", "\x01", "x" * 3000]


def with_edges(check, base: dict, edges_for, **fixed):
    """`check` with an explicit example per (name, edge value): that one hostile, the rest valid."""
    for name in base:
        for edge in edges_for(name):
            check = example(**{"drawn": {**base, name: edge}}, **fixed)(check)
    return check


# ---------------------------------------------------------------------------------------------
# The world: a captain on a journey, a member, walks, a photo, a draft route, an invite, a token.


@dataclass
class World:
    ids: dict[str, object]  # a real value for each path parameter name
    valid: dict[str, object]  # valid values for form fields that need one from the world


@pytest.fixture
def world(client):
    captain = make_user(display_name="Captain Fuzz", is_operator=True)  # the console too
    team = make_team(captain)
    journey = make_journey(team)
    member = add_member(team)
    walk = log(captain, 3.0, note="Loch walk")
    log(member.user, 2.0)
    photo = add_photo(walk, photo_samples.phone_photo(seed=7))
    draft = make_draft(captain, [(-3.0, 55.0), (-3.0, 55.05)])
    waypoint_id = db.session.scalar(
        text("SELECT min(id) FROM route_waypoints WHERE route_id = :r"), {"r": draft.id}
    )
    from milequest.services.teamwork import team_invites

    invite = team_invites.invite_by_email(team, captain, "friend@example.com")
    link = team_invites.share_link(team) or team_invites.rotate_share_link(team, captain)
    token = api_tokens.create_token(captain, "phone", "read", api_tokens.LIFETIMES_DAYS[0]).token
    db.session.flush()
    notification_id = db.session.scalar(text("SELECT min(id) FROM notifications"))
    session_id = db.session.scalar(text("SELECT max(id) FROM walker_sessions"))
    return World(
        ids={
            "team_id": team.id,
            "journey_id": journey.id,
            "membership_id": member.id,
            "activity_id": walk.id,
            "photo_id": photo.id,
            "route_id": draft.id,
            "waypoint_id": waypoint_id or 1,
            "invite_id": invite.id,
            "token_id": token.id,
            "notification_id": notification_id or 1,
            "session_id": session_id or 1,
            "subscription_id": 1,
            "postcard_id": 1,
            "code": link.code,
            "token": invite.code,
            "size": "thumb",
            "user_id": captain.id,
            "action": "confirm",
            "kind": "photo",
            "job_id": photo.id,
            "email_id": 1,
            "identity_id": 1,
            "name": "nowhere",
        },
        valid={"route_id": draft.id, "photo_id": photo.id},
    )


# ---------------------------------------------------------------------------------------------
# Every POST form: its URL (path parameters from the world) and its fields with a valid value.

TODAY = date.today().isoformat()
ACTIVITY_FIELDS = {
    "client_id": lambda w: str(uuid.uuid4()),
    "distance": "4,5",
    "unit": "km",
    "quick": "2 mi",
    "activity_date": TODAY,
    "duration_minutes": "45",
    "kind": "walk",
    "note": "Along the loch",
    "team_id": lambda w: str(w.ids["team_id"]),
    "photos": MISSING,
}
TEAM_FIELDS = {
    "name": "The Ramblers",
    "description": "We walk",
    "is_public": "y",
    "member_limit": "20",
}
FORMS: dict[str, dict[str, object]] = {
    "accounts.signup": {
        "email": "new@example.com",
        "display_name": "New",
        "password": "long enough password",
        "timezone": "Europe/London",
        "next": "/teams/",
    },
    "accounts.resend_verification": {"next": "/"},
    "accounts.login": {"email": "x@example.com", "password": "nope", "remember": "y", "next": "/"},
    "accounts.reset_request": {"email": "x@example.com"},
    "accounts.reset": {"password": "long enough password", "confirm": "long enough password"},
    "accounts.profile": {
        "display_name": "Fuzzy",
        "units": "mi",
        "timezone": "Europe/Paris",
        "stride_cm": "70",
    },
    "sessions.end": {},
    "teams.create": TEAM_FIELDS,
    "teams.edit": TEAM_FIELDS,
    "teams.archive": {},
    "teams.join": {},
    "teams.leave": {},
    "api_tokens.create": {"name": "watch", "scope": "write", "lifetime_days": "90"},
    "api_tokens.revoke": {},
    "account_deletion.delete": {"password": "not the password", "understood": "y"},
    "invites.invite_by_email": {"email": "pal@example.com"},
    "invites.revoke": {},
    "invites.rotate_link": {},
    "invites.join_code": {"code": "ABCD-EFGH"},
    "invites.accept_link": {},
    "invites.accept_email_invite": {},
    "journeys.start": {"route_id": lambda w: str(w.valid["route_id"]), "target_date": TODAY},
    "journeys.abandon": {},
    "journeys.set_target": {"target_date": (date.today() + timedelta(days=30)).isoformat()},
    "data_exports.create": {},
    "postcards.dismiss": {},
    "routes.create": {"name": "Coast to coast"},
    "routes.add_place": {"place_id": "1", "long_ok": "y"},
    "routes.add_point": {"lat": "55.2", "lon": "-3.1", "long_ok": "y"},
    "routes.move": {"direction": "down"},
    "routes.remove": {},
    "routes.save": {"name": "Coast to coast"},
    "photos.upload": {"photos": MISSING},
    "photos.delete": {},
    "photos.team_decide": {"photo_id": lambda w: str(w.valid["photo_id"]), "decision": "approve"},
    "photos.operator_decide": {
        "photo_id": lambda w: str(w.valid["photo_id"]),
        "decision": "block",
    },
    "team_members.change_role": {"role": "co_captain"},
    "team_members.remove": {},
    "imports.create": {"files": Upload(b"<gpx></gpx>", "walk.gpx")},
    "activity_reviews.decide": {"decision": "approve", "back": "team"},
    "notifications.open_item": {},
    "notifications.read_all": {},
    "notifications.save_settings": {
        "quiet_from": "22:00",
        "quiet_until": "07:00",
        "nudge_after_days": "5",
        "milestone__email": "y",
    },
    "notifications.unsubscribe": {},
    # JSON from the profile's script (a flat form or flat JSON is refused: keys are nested).
    "push_devices.subscribe": {"endpoint": "https://fcm.googleapis.com/fcm/send/x"},
    "push_devices.unsubscribe": {"endpoint": "https://fcm.googleapis.com/fcm/send/x"},
    "push_devices.remove": {},
    "activities.create": ACTIVITY_FIELDS,
    "activities.edit": ACTIVITY_FIELDS,
    "activities.delete": {},
    "ops.user_action": {"q": "fuzz"},
    "ops.retry_job": {},
    "ops.retry_email": {},
    "ops.archive_team": {"q": "fuzz"},
    "oidc_logins.start": {"next": "/teams/", "timezone": "Europe/London"},
    "oidc_logins.unlink": {},
    "oidc_logins.set_password": {"password": "long enough password"},
}
# Every blueprint with a URL that takes parameters: each is fuzzed in a test of its own.
PATH_BLUEPRINTS = [
    *("accounts", "activities", "activity_reviews", "api", "api_tokens", "data_exports"),
    *("devmail", "imports", "invites", "journeys", "live", "notifications", "photos"),
    *("postcards", "routes", "sessions", "static", "team_members", "teams", "ops"),
    *("oidc_logins", "push_devices"),
]
# Pages that show what a form stored, requested after each form's fuzzing.
READ_BACK = [
    *("/activities/", "/activities/export.csv", "/activities/export.gpx", "/profile"),
    *("/teams/{team_id}", "/teams/{team_id}/members/", "/routes/{route_id}/edit", "/routes"),
    *("/teams/", "/notifications/", "/api/v1/me/activities"),
]
# Submitted once, they end the walker's session or account: fuzzed with a fresh log-in each time.
LOGS_OUT = {"accounts.logout", "sessions.end_all", "invites.switch_account"}
FORMS.update({endpoint: {} for endpoint in LOGS_OUT})


# ---------------------------------------------------------------------------------------------
# Requests and the invariants.

_ARGUMENT = re.compile(r"<(?:([a-z]+)(?:\([^)]*\))?:)?([a-z_]+)>")


def url_of(rule, values: dict[str, object]) -> str:
    """The rule's path with each parameter replaced by `values[name]`, percent-encoded."""
    return _ARGUMENT.sub(lambda m: quote(str(values[m.group(2)]), safe=""), rule.rule)


def row_counts() -> dict[str, int]:
    tables = db.session.scalars(
        text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename NOT IN ('alembic_version', 'spatial_ref_sys')"
        )
    ).all()
    counts = ", ".join(f"'{t}', (SELECT count(*) FROM \"{t}\")" for t in tables)
    return db.session.scalar(text(f"SELECT json_build_object({counts})"))


def resolved(value: object, world: World) -> object:
    value = value(world) if callable(value) else value
    if isinstance(value, Upload):
        return (io.BytesIO(value.data), value.name)
    return value


def form_data(drawn: dict[str, object], world: World) -> dict[str, list]:
    data = {}
    for name, value in drawn.items():
        if value is MISSING:
            continue
        values = value if isinstance(value, list) else [value]
        data[name] = [resolved(v, world) for v in values if v is not MISSING]
    return data


def described(drawn: dict[str, object]) -> str:
    return repr(
        {k: (v[:80] + "…" if isinstance(v, str) and len(v) > 80 else v) for k, v in drawn.items()}
    )[:2000]


def submit(app, client, method: str, url: str, data=None, what: str = "", *, as_json=False):
    """Request, then check the invariants: no 5xx; a refused POST stored nothing.

    `as_json` sends the fields as a JSON body, the CSRF token in the header (as htmx would).
    """
    redis_client(app).flushdb()  # rate limits would answer 429 before the form is read
    before = None if method == "GET" else row_counts()
    headers = {"Accept-Language": "en"}
    if as_json:
        fields = {k: [v for v in vs if isinstance(v, str)] for k, vs in (data or {}).items()}
        headers["X-CSRFToken"] = next(iter(fields.pop("csrf_token", [])), "")
        data = {"json": {k: vs[0] if len(vs) == 1 else vs for k, vs in fields.items()}}
    else:
        data = {"data": data}
    response = client.open(url, method=method, headers=headers, **data)
    body = response.get_data(as_text=True)
    status = response.status_code
    assert status < 500, f"{status} for {method} {url} {what}\n{body[:3000]}"
    if before is not None and status >= 400:
        after = row_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after.get(t)}
        assert not changed, f"refused {method} {url} ({status}) stored {changed} {what}"
    return response


def redis_client(app):
    import redis

    cache = app.extensions.setdefault("fuzz_redis", {})
    if "client" not in cache:
        cache["client"] = redis.Redis.from_url(app.config["REDIS_URL"])
    return cache["client"]


def rule_for(app, endpoint: str, method: str):
    (rule,) = [r for r in app.url_map.iter_rules(endpoint) if method in r.methods]
    return rule


def signed_in_again(client, world: World) -> None:
    sign_in_as(client, db.session.get(User, world.ids["user_id"]))
    world.valid["csrf_token"] = csrf_token(client, "/activities/new")


@pytest.mark.parametrize("endpoint", sorted(FORMS))
def test_every_form_refuses_hostile_fields_cleanly(app, client, world, endpoint):
    url = url_of(rule_for(app, endpoint, "POST"), world.ids)
    fields = {"csrf_token": lambda w: w.valid["csrf_token"], **FORMS[endpoint]}
    drawn_fields = st.fixed_dictionaries({name: field(valid) for name, valid in fields.items()})
    names = st.text(string.ascii_letters + "_[]", min_size=1, max_size=8)
    unknown = st.dictionaries(names, HOSTILE, max_size=2)
    signed_in_again(client, world)

    @(FUZZ if FORMS[endpoint] else FEW)
    @given(drawn=drawn_fields, extra=unknown, as_json=st.sampled_from([False, False, True]))
    def check(drawn, extra, as_json):
        if endpoint in LOGS_OUT:
            signed_in_again(client, world)
        data = form_data({**extra, **drawn}, world)
        submit(app, client, "POST", url, data, described(drawn), as_json=as_json)

    edges = lambda name: [] if name == "csrf_token" else FIELD_EDGES  # noqa: E731
    with_edges(check, fields, edges, extra={}, as_json=False)()
    signed_in_again(client, world)
    for page in READ_BACK:  # what the accepted submissions stored must show, and export
        submit(app, client, "GET", page.format(**world.ids), what=f"after fuzzing {endpoint}")


def hostile_for(converter) -> st.SearchStrategy:
    if isinstance(converter, IntegerConverter):
        edges = [0, 2**31 - 1, 2**31, 2**63 - 1, 2**63, 10**30, 10**400]
        return st.one_of(st.sampled_from(edges), st.integers(min_value=0)).map(str)
    words = st.one_of(ANY_TEXT, ODD_VALUES).filter(lambda s: s.strip())
    if isinstance(converter, AnyConverter):
        return st.one_of(st.sampled_from(sorted(converter.items)), words)
    return words


def path_parameters(app, blueprint: str) -> tuple[list, dict[str, st.SearchStrategy]]:
    rules = [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.partition(".")[0] == blueprint and r.arguments
    ]
    converters = {name: c for r in rules for name, c in r._converters.items()}
    return rules, converters


@pytest.mark.parametrize("blueprint", PATH_BLUEPRINTS)
def test_every_url_answers_hostile_path_parameters_without_a_server_error(
    app, client, world, blueprint
):
    rules, converters = path_parameters(app, blueprint)
    values = st.fixed_dictionaries(
        {
            name: st.one_of(st.just(world.ids.get(name, "1")), hostile_for(converter))
            for name, converter in converters.items()
        }
    )
    signed_in_again(client, world)

    @settings(FUZZ, max_examples=3)
    @given(drawn=values)
    def check(drawn):
        for rule in rules:
            if rule.endpoint in LOGS_OUT:
                continue
            url = url_of(rule, drawn)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                token = None if method == "GET" else {"csrf_token": world.valid["csrf_token"]}
                submit(app, client, method, url, token, f"({rule.endpoint})")

    real = {name: world.ids.get(name, "1") for name in converters}

    def edges(name):
        if isinstance(converters[name], IntegerConverter):
            return INT_EDGES
        return [] if isinstance(converters[name], AnyConverter) else TEXT_EDGES

    with_edges(check, real, edges)()


# GET forms and the query strings pages read: (page, {parameter: a valid value}).
QUERIES = [
    ("/teams/", {"q": "ramblers"}),
    ("/routes", {"scale": "short", "region": "europe"}),
    ("/routes/{route_id}/edit", {"q": "Paris"}),
    ("/routes/{route_id}/places", {"q": "Paris"}),
    ("/teams/{team_id}/journeys/", {"scale": "short", "region": "europe"}),
    ("/activities/", {"before": TODAY + ":1"}),
    ("/activities/new", {"team": "{team_id}"}),
    ("/teams/{team_id}/updates", {"after": "1"}),
    ("/offline/synced", {"walk": str(uuid.UUID(int=1)), "team": "{team_id}"}),
    ("/login", {"next": "/teams/"}),
    ("/signup", {"next": "/teams/"}),
    ("/api/v1/teams/{team_id}/events", {"cursor": "1", "after": "1"}),
]


@pytest.mark.parametrize(("page", "parameters"), QUERIES, ids=[page for page, _ in QUERIES])
def test_every_query_string_answers_hostile_values_without_a_server_error(
    app, client, world, page, parameters
):
    url = page.format(**world.ids)
    valid = {name: value.format(**world.ids) for name, value in parameters.items()}
    drawn_values = st.fixed_dictionaries({name: field(value) for name, value in valid.items()})
    signed_in_again(client, world)

    @FEW
    @given(drawn=drawn_values)
    def check(drawn):
        query = {
            k: [v for v in vs if isinstance(v, str)] for k, vs in form_data(drawn, world).items()
        }
        submit(app, client, "GET", url + "?" + urlencode(query, doseq=True), described(drawn))

    with_edges(check, valid, lambda name: [*FIELD_EDGES[:3], "x" * 3000])()


def test_every_form_and_url_is_fuzzed(app):
    rules = list(app.url_map.iter_rules())
    posted = {
        r.endpoint for r in rules if "POST" in r.methods and not r.endpoint.startswith("api.")
    }
    assert posted == set(FORMS)
    with_parameters = {r.endpoint.partition(".")[0] for r in rules if r.arguments}
    assert with_parameters == set(PATH_BLUEPRINTS)


def test_a_control_character_is_refused_on_its_field_and_nothing_is_stored(client, world):
    signed_in_again(client, world)
    before = row_counts()
    fields = {**TEAM_FIELDS, "name": "The\x00Ramblers", "csrf_token": world.valid["csrf_token"]}

    response = client.post("/teams/new", data=fields)

    assert response.status_code == 422
    assert "Remove the invisible control character (U+0000)" in response.get_data(as_text=True)
    assert row_counts() == before


def test_a_file_sent_for_a_text_field_is_a_missing_value(client, world):
    signed_in_again(client, world)
    fields = {"csrf_token": world.valid["csrf_token"], "name": (io.BytesIO(b"x"), "name.txt")}

    response = client.post(f"/routes/{world.ids['route_id']}/save", data=fields)

    assert response.status_code == 422
    assert "This field is required." in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/invites/a%00b", "/join/%00", "/teams/9223372036854775808"])
def test_an_address_with_a_nul_or_an_id_past_any_row_is_not_found(client, world, url):
    signed_in_again(client, world)

    assert client.get(url).status_code == 404
