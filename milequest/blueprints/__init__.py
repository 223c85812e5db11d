"""Every blueprint is registered here, in one place."""

from flask import Flask

from milequest.blueprints import (
    account_deletion,
    accounts,
    activities,
    activity_reviews,
    api,
    api_tokens,
    data_exports,
    devmail,
    errors,
    health,
    imports,
    invites,
    journeys,
    live,
    metrics,
    notifications,
    oidc_logins,
    ops,
    pages,
    photos,
    postcards,
    push_devices,
    pwa,
    routes,
    sessions,
    team_members,
    teams,
)
from milequest.models.activity import ReviewStatus
from milequest.models.data_export import ExportStatus
from milequest.models.gps_import import ImportStatus
from milequest.models.journey import JourneyStatus
from milequest.models.photo import PhotoStatus
from milequest.models.route import RouteStatus
from milequest.models.team import Role
from milequest.services.core import operators
from milequest.services.gallery.photos import MAX_BYTES as MAX_PHOTO_BYTES

# Templates compare states with these (`route.status == RouteStatus.READY`), never with strings.
TEMPLATE_STATES = (
    ReviewStatus,
    ImportStatus,
    ExportStatus,
    JourneyStatus,
    PhotoStatus,
    RouteStatus,
    Role,
)


def register(app: Flask) -> None:
    for blueprint in (
        pages,
        accounts,
        oidc_logins,
        health,
        teams,
        team_members,
        invites,
        journeys,
        routes,
        activities,
        live,
        imports,
        activity_reviews,
        pwa,
        photos,
        postcards,
        notifications,
        push_devices,
        sessions,
        account_deletion,
        data_exports,
        api,
        api_tokens,
        metrics,
        ops,
    ):
        app.register_blueprint(blueprint.bp)
    errors.register(app)
    dev_mail = app.config["MAIL_BACKEND"] == "file" and app.config["ENV"] != "production"
    if dev_mail:
        app.register_blueprint(devmail.bp)
    app.jinja_env.globals["dev_mail_enabled"] = dev_mail
    app.jinja_env.globals["max_photo_bytes"] = MAX_PHOTO_BYTES
    app.jinja_env.globals["is_operator"] = operators.is_operator  # the menu's console link
    app.jinja_env.globals.update({state.__name__: state for state in TEMPLATE_STATES})
