"""One uploaded GPS file and its import job: what the walker sees per file, until it is done.

The file's bytes wait here (not in the broker) for the `imports` worker and are dropped once
the job ends.
"""

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.orm import Mapped, deferred, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column


class ImportStatus(StrEnum):
    """A file's job: queued until the worker ends it one of the other ways."""

    QUEUED = "queued"
    IMPORTED = "imported"
    DUPLICATE = "duplicate"
    REFUSED = "refused"
    FAILED = "failed"


STATUSES = tuple(s.value for s in ImportStatus)


class GpsImport(Model):
    __tablename__ = "imports"
    __table_args__ = (
        CheckConstraint(
            "status IN ('queued', 'imported', 'duplicate', 'refused', 'failed')", name="status"
        ),
        Index("ix_imports_user_batch", "user_id", "batch_id"),
        Index("ix_imports_queued", "created_at", postgresql_where="status = 'queued'"),
        Index("ix_imports_batch_finished", "batch_id", "finished_at"),  # stalled batches
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    batch_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True))  # one upload, many files
    filename: Mapped[str] = mapped_column(String(255))
    # From a Strava export's activities.csv: the activity's name, and its type as our kind.
    title: Mapped[str] = mapped_column(Text, default="", server_default="")
    kind: Mapped[str | None] = mapped_column(String(12))
    content: Mapped[bytes | None] = deferred(mapped_column(LargeBinary))
    content_hash: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(
        String(10), default=ImportStatus.QUEUED, server_default=ImportStatus.QUEUED.value
    )
    message: Mapped[str] = mapped_column(Text, default="", server_default="")
    imported_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def is_done(self) -> bool:
        return self.status != ImportStatus.QUEUED
