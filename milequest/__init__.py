"""Mile Quest: a team's walking becomes a journey along a real route."""

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from milequest import (
    blueprints,
    cli,
    config,
    extensions,
    http_headers,
    observability,
    static_files,
    url_converters,
)


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        template_folder=str(config.ROOT / "templates"),
        static_folder=str(config.ROOT / "static"),
    )
    app.config.from_object(config.Defaults)
    config.apply_environment(app.config)
    app.config.update(overrides or {})
    config.finish(app.config)
    if hops := app.config["PROXY_HOPS"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    extensions.init_app(app)
    url_converters.init_app(app)
    blueprints.register(app)
    http_headers.init_app(app)
    static_files.init_app(app)
    observability.init_app(app)
    cli.register(app)
    return app
