"""Extension singletons, created unbound and bound to the app in `init_app`.

Models, services and views import from here, never from the package root.
"""

from typing import TYPE_CHECKING

import redis
from celery import Celery, Task
from flask import Flask, current_app
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import AnonymousUserMixin, LoginManager
from flask_migrate import Migrate
from flask_sock import Sock
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from milequest import htmx
from milequest.config import ROOT
from milequest.lib import idle_ping
from milequest.lib.json_bodies import JSONProvider

# Named constraints, so migrations can drop and alter them by name.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Visitor(AnonymousUserMixin):
    """Someone not logged in. Pages they may see (an invite's journey) give distances in km."""

    units = "km"


db = SQLAlchemy(model_class=Base)
# The models' base: Flask-SQLAlchemy builds `db.Model` at run time, which a type checker cannot
# follow, so it is told the declarative base underneath.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
sock = Sock()
limiter = Limiter(key_func=get_remote_address)
compress = Compress()


class RedisClient:
    """Proxy to the current app's redis-py client (`app.extensions["redis"]`)."""

    def init_app(self, app: Flask) -> None:
        app.extensions["redis"] = redis.Redis.from_url(
            app.config["REDIS_URL"], socket_timeout=2, socket_connect_timeout=2
        )

    def __getattr__(self, name):
        return getattr(current_app.extensions["redis"], name)


redis_client = RedisClient()


def celery_init_app(app: Flask) -> Celery:
    """Create the Celery app; its tasks run inside a Flask app context (as the Flask docs do)."""

    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            with app.app_context():
                return self.run(*args, **kwargs)

    celery_app = Celery(app.name, task_cls=FlaskTask)
    celery_app.config_from_object(app.config["CELERY"])
    celery_app.set_default()
    app.extensions["celery"] = celery_app
    return celery_app


def init_app(app: Flask) -> None:
    app.json = JSONProvider(app)
    db.init_app(app)
    with app.app_context():
        idle_ping.install(db.engine, app.config["DB_PING_IDLE_S"])
    migrate.init_app(
        app, db, directory=str(ROOT / "migrations"), compare_type=True, render_as_batch=False
    )
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login_form"
    login_manager.anonymous_user = Visitor
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    sock.init_app(app)
    limiter.init_app(app)
    redis_client.init_app(app)
    htmx.init_app(app)
    if app.config["COMPRESS_RESPONSES"]:
        compress.init_app(app)
    celery_init_app(app)
