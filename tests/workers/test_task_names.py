"""Task names are pinned (`name=`): queued jobs, routes and beat entries survive a module move."""

import ast
from pathlib import Path

from milequest.services.atlas import routes
from milequest.services.core import emails
from milequest.services.gallery import photos
from milequest.services.gps_imports import imports

WORKERS = Path(__file__).resolve().parents[2] / "workers"


def pinned_names() -> set[str]:
    """Every `name=` given to @shared_task in workers/, read from the source."""
    names = set()
    for path in WORKERS.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef):
                for decorator in node.decorator_list:
                    keywords = getattr(decorator, "keywords", [])
                    names |= {k.value.value for k in keywords if k.arg == "name"}
    return names


def tasks_in(path: Path) -> int:
    tree = ast.parse(path.read_text())
    return sum(
        1
        for node in ast.walk(tree)
        for d in getattr(node, "decorator_list", [])
        if "shared_task" in ast.unparse(d)
    )


def test_every_task_has_a_pinned_name_that_celery_registers(app):
    celery = app.extensions["celery"]
    celery.loader.import_default_modules()  # what a worker imports at start: config's include
    names = pinned_names()
    assert len(names) == sum(tasks_in(p) for p in WORKERS.glob("*.py"))
    assert names <= set(celery.tasks)


def test_what_services_and_beat_send_are_pinned_names(app):
    sent = {routes.BUILD_TASK, photos.MODERATE_TASK, emails.DELIVER_TASK, imports.IMPORT_TASK}
    scheduled = {entry["task"] for entry in app.config["CELERY"]["beat_schedule"].values()}
    assert sent | scheduled <= pinned_names()
