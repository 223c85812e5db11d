"""A real Celery worker on the real Redis broker builds an export and deletes an account."""

from datetime import timedelta

import pytest

from milequest.extensions import db
from milequest.models import DataExport, User
from milequest.models.base import utcnow
from milequest.services.walkers import account_deletion, data_exports
from tests.factories import log, make_user
from tests.helpers import outbox, wait_for
from workers.accounts import delete_due_accounts


def _fresh(model, row_id: int):
    db.session.rollback()  # see what the worker committed
    return db.session.get(model, row_id)


@pytest.mark.committing
def test_a_real_worker_builds_the_export_and_emails_the_link(app, celery_worker):
    walker = make_user()
    log(walker, 3.0)
    export_id = data_exports.request_export(walker).id
    db.session.commit()  # the job is queued once this commits

    assert wait_for(lambda: _fresh(DataExport, export_id).is_done, timeout_s=60)
    assert _fresh(DataExport, export_id).status == "ready"
    assert len(outbox(walker.email)) == 1


@pytest.mark.committing
def test_the_beat_sweep_has_a_real_worker_delete_a_due_account(app, celery_worker):
    walker = make_user()
    log(walker, 2.0)
    account_deletion.request_deletion(walker)
    walker.deletion_due_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    walker_id = walker.id

    assert delete_due_accounts() == 1

    assert wait_for(lambda: _fresh(User, walker_id) is None, timeout_s=60)
