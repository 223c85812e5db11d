"""What operators see of the running app: request and task logs, metrics, request ids."""

from flask import Flask

from milequest.observability import task_tracking, web_tracking


def init_app(app: Flask) -> None:
    web_tracking.init_app(app)
    task_tracking.connect()
