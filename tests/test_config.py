import pytest
from flask import Config, request, request_started

from milequest import config, create_app


def test_production_refuses_the_development_secret(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("MILEQUEST_ENV", "production")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_environment_overrides_defaults(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example:5433/mq")
    monkeypatch.setenv("REDIS_URL", "redis://cache.example:6380/2")
    monkeypatch.setenv("MILEQUEST_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("MILEQUEST_MAIL_SMTP_PORT", "2525")

    settings = Config(config.ROOT)
    settings.from_object(config.Defaults)
    config.apply_environment(settings)
    config.finish(settings)

    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg2://u:p@db.example:5433/mq"
    assert settings["CELERY"]["broker_url"] == "redis://cache.example:6380/2"
    assert settings["RATELIMIT_STORAGE_URI"] == "redis://cache.example:6380/2"
    assert (settings["MAIL_BACKEND"], settings["MAIL_SMTP_PORT"]) == ("smtp", 2525)


def test_production_cookies_are_secure(monkeypatch):
    settings = {
        **{k: v for k, v in vars(config.Defaults).items() if k.isupper()},
        "ENV": "production",
        "SECRET_KEY": "s3cret-from-the-environment",
    }
    config.finish(settings)
    assert settings["SESSION_COOKIE_SECURE"] and settings["REMEMBER_COOKIE_SECURE"]
    assert settings["SESSION_COOKIE_HTTPONLY"] and settings["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    ("hops", "seen"), [(0, ("10.0.0.1", "http")), (1, ("203.0.113.7", "https"))]
)
def test_the_client_address_comes_from_trusted_proxies_only(app, hops, seen):
    """Rate limits key on the client's address: behind a proxy it is the forwarded one."""
    keys = ("SQLALCHEMY_DATABASE_URI", "REDIS_URL", "RATELIMIT_STORAGE_URI", "ENV", "TESTING")
    proxied = create_app({**{key: app.config[key] for key in keys}, "PROXY_HOPS": hops})
    clients = []

    def record(sender, **extra):
        clients.append((request.remote_addr, request.scheme))

    with request_started.connected_to(record, proxied):
        proxied.test_client().get(
            "/healthz",
            headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"},
            environ_base={"REMOTE_ADDR": "10.0.0.1"},
        )

    assert clients == [seen]


def test_a_vapid_public_key_that_is_not_the_private_keys_is_refused(monkeypatch):
    from milequest.lib import web_push

    private, public = web_push.generate_keys()
    _other_private, other_public = web_push.generate_keys()
    monkeypatch.setenv("MILEQUEST_VAPID_PRIVATE_KEY", private)

    def finished(public_key: str) -> Config:
        monkeypatch.setenv("MILEQUEST_VAPID_PUBLIC_KEY", public_key)
        settings = Config(config.ROOT)
        settings.from_object(config.Defaults)
        config.apply_environment(settings)
        config.finish(settings)
        return settings

    with pytest.raises(RuntimeError, match="VAPID_PUBLIC_KEY"):
        finished(other_public)
    assert finished(public)["VAPID_PUBLIC_KEY"] == public


def test_the_development_vapid_keys_are_made_once_and_kept_private(tmp_path):
    from devservices import vapid
    from milequest.lib import web_push

    path = tmp_path / "var" / "vapid-dev.json"
    first = vapid.dev_keys(path)

    assert vapid.dev_keys(path) == first
    assert web_push.public_key_of(first["VAPID_PRIVATE_KEY"]) == first["VAPID_PUBLIC_KEY"]
    assert path.stat().st_mode & 0o777 == 0o600
