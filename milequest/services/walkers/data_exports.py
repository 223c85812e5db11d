"""'Download my data': a zip of everything the walker owns, built as a job, emailed as a link.

The zip holds profile.json, activities.csv, a GPX file per recorded walk (they import back as
duplicates), the cleaned photos (no metadata), and teams.json (teams and memberships). It is
stored privately (exports/<token>.zip in the photo storage); the link works only for its
walker, until EXPORT_DAYS have passed, then a beat job removes it.
"""

import io
import json
import secrets
import zipfile
from datetime import timedelta

from flask import url_for
from sqlalchemy import select, update

from milequest.extensions import db
from milequest.lib import task_queue
from milequest.lib.photo_storage import delete_objects, storage
from milequest.models import Activity, DataExport, Membership, Photo, User
from milequest.models.base import utcnow
from milequest.models.data_export import ExportStatus
from milequest.models.photo import derived_key
from milequest.services.achievements import badges
from milequest.services.core import emails
from milequest.services.core.commit_hooks import after_commit
from milequest.services.walkers import oidc_logins
from milequest.services.walks import activities, gpx_exports

BUILD_TASK = "workers.accounts.build_data_export"
EXPORT_DAYS = 7
OPEN = (ExportStatus.QUEUED, ExportStatus.BUILDING)


def request_export(user: User) -> DataExport:
    """Queue an export; one already on its way is returned instead (a double submit is one)."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())
    export = db.session.scalar(
        select(DataExport).where(DataExport.user_id == user.id, DataExport.status.in_(OPEN))
    )
    if export is None:
        export = DataExport(user_id=user.id, token=secrets.token_hex(16))
        db.session.add(export)
        db.session.flush()
        export.download_url = url_for("data_exports.download", export_id=export.id, _external=True)
        after_commit(enqueue, export.id)
    return export


def enqueue(export_id: int) -> None:
    task_queue.send(BUILD_TASK, export_id, "imports")


def latest_export(user: User) -> DataExport | None:
    return db.session.scalar(
        select(DataExport)
        .where(DataExport.user_id == user.id)
        .order_by(DataExport.id.desc())
        .limit(1)
    )


def owned_export(export_id: int, user: User) -> DataExport | None:
    export = db.session.get(DataExport, export_id)
    return export if export is not None and export.user_id == user.id else None


def is_downloadable(export: DataExport) -> bool:
    expires_at = export.expires_at
    return export.status == ExportStatus.READY and expires_at is not None and expires_at > utcnow()


def start_building(export_id: int) -> bool:
    """Claim a queued export for a build (the caller commits before building)."""
    claimed = db.session.execute(
        update(DataExport)
        .where(DataExport.id == export_id, DataExport.status.in_(OPEN))
        .values(status=ExportStatus.BUILDING)
        .returning(DataExport.id)
    )
    return claimed.scalar_one_or_none() is not None


def build_export(export_id: int) -> DataExport | None:
    """Build the zip, store it and email the link (flushes; None if not claimed, or done).

    The export's row is written only at the end: until then the progress updates, made on
    their own connection, must not wait for this transaction's lock on it.
    """
    export = db.session.get(DataExport, export_id)
    if export is None or export.status != ExportStatus.BUILDING:
        return None
    user = db.session.get_one(User, export.user_id)
    data = _zip(user, lambda percent: _report_progress(export_id, percent))
    storage().put(export.storage_key, data, "application/zip")
    finished_at = utcnow()
    finished = db.session.execute(
        update(DataExport)
        .where(DataExport.id == export_id, DataExport.status == ExportStatus.BUILDING)
        .values(
            status=ExportStatus.READY,
            progress=100,
            byte_size=len(data),
            finished_at=finished_at,
            expires_at=finished_at + timedelta(days=EXPORT_DAYS),
        )
        .returning(DataExport.id)
    ).scalar_one_or_none()
    if finished is None:
        return None  # a second build of the same export (a redelivered task) got there first
    db.session.refresh(export)
    emails.queue_email(
        user.email,
        "Your Mile Quest data is ready",
        "emails/data_export_ready.txt",
        user=user,
        download_url=export.download_url,
        days=EXPORT_DAYS,
    )
    return export


def fail(export_id: int, reason: str) -> None:
    export = db.session.get(DataExport, export_id)
    if export is not None and export.status in OPEN:
        export.status, export.error, export.finished_at = ExportStatus.FAILED, reason, utcnow()
        export.expires_at = export.finished_at + timedelta(days=EXPORT_DAYS)  # then swept
        db.session.flush()


def _report_progress(export_id: int, percent: int) -> None:
    """Show how far the build is, committed on its own so the walker's page sees it now."""
    with db.engine.begin() as connection:
        connection.execute(
            update(DataExport)
            .where(DataExport.id == export_id)
            .where(DataExport.status == ExportStatus.BUILDING)
            .values(progress=percent)
        )


def _zip(user: User, progress) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("profile.json", _json(_profile(user)))
        archive.writestr("teams.json", _json(_memberships(user)))
        archive.writestr("activities.csv", activities.csv_document(user))
        progress(10)
        for activity, document in gpx_exports.recorded_walk_documents(user):
            archive.writestr(f"gpx/{activity.activity_date}-{activity.id}.gpx", document)
        progress(40)
        photos = _photos(user)
        for n, (name, data) in enumerate(photos, 1):
            archive.writestr(f"photos/{name}", data, compress_type=zipfile.ZIP_STORED)
            if n % 10 == 0:
                progress(40 + 55 * n // len(photos))
    return buffer.getvalue()


def _json(value) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _profile(user: User) -> dict:
    return {
        "email": user.email,
        "display_name": user.display_name,
        "units": user.units,
        "timezone": user.timezone,
        "signed_up_at": user.created_at,
        "email_verified_at": user.email_verified_at,
        "weekly_goal_m": user.weekly_goal_m,
        "stride_cm": user.stride_cm,
        "badges": [
            {"name": badges.name(b.kind, b.key, b.data), "kind": b.kind, "earned_at": b.earned_at}
            for b in badges.shown(user.id)
        ],
        "sign_in_providers": [
            {"provider": i.provider, "email": i.email, "linked_at": i.created_at}
            for i in oidc_logins.linked_identities(user)
        ],
    }


def _memberships(user: User) -> list[dict]:
    rows = db.session.scalars(
        select(Membership).where(Membership.user_id == user.id).order_by(Membership.joined_at)
    )
    return [
        {
            "team": m.team.name,
            "team_id": m.team_id,
            "role": m.role,
            "created_the_team": m.team.created_by_id == user.id,
            "joined_on": m.joined_on,
            "left_on": m.left_on,
            "removed_by_a_captain": m.removed,
        }
        for m in rows
    ]


def _photos(user: User) -> list[tuple[str, bytes]]:
    """The cleaned display copy of each photo (moderated ones: the cleaning made it)."""
    query = (
        select(Photo.id, Photo.token, Activity.activity_date)
        .join(Activity, Activity.id == Photo.activity_id)
        .where(Photo.user_id == user.id, Photo.moderated_at.is_not(None))
        .order_by(Photo.id)
    )
    found = []
    for photo_id, token, day in db.session.execute(query).all():
        try:
            found.append((f"{day}-{photo_id}.jpg", storage().get(derived_key(token, "display"))))
        except KeyError:
            continue  # cleaned copies removed by a rejection: nothing of it is kept
    return found


def expired_export_ids() -> list[int]:
    return list(db.session.scalars(select(DataExport.id).where(DataExport.expires_at <= utcnow())))


def stuck_export_ids(older_than: timedelta = timedelta(minutes=15)) -> list[int]:
    """Exports still on their way long after they were asked for (a lost task)."""
    return list(
        db.session.scalars(
            select(DataExport.id).where(
                DataExport.status.in_(OPEN), DataExport.created_at < utcnow() - older_than
            )
        )
    )


def remove_export(export_id: int) -> None:
    """Forget an export; its zip goes once that is committed."""
    export = db.session.get(DataExport, export_id)
    if export is not None:
        after_commit(delete_objects, [export.storage_key])
        db.session.delete(export)
        db.session.flush()


def storage_keys_of(user_id: int) -> list[str]:
    return [
        export.storage_key
        for export in db.session.scalars(select(DataExport).where(DataExport.user_id == user_id))
    ]
