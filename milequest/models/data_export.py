"""A walker's "download my data" job: its progress, and the zip once built (private storage)."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column


class ExportStatus(StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


STATUSES = tuple(s.value for s in ExportStatus)


class DataExport(Model):
    __tablename__ = "data_exports"
    __table_args__ = (
        CheckConstraint(f"status IN {STATUSES}", name="status"),
        CheckConstraint("progress BETWEEN 0 AND 100", name="progress"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Random, unguessable; names the stored zip (exports/<token>.zip).
    token: Mapped[str] = mapped_column(String(32), unique=True)
    status: Mapped[str] = mapped_column(
        String(10), default=ExportStatus.QUEUED, server_default="queued"
    )
    progress: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    byte_size: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Made while the walker asks (a worker has no request to build an absolute URL from).
    download_url: Mapped[str] = mapped_column(Text, default="", server_default="")
    created_at: Mapped[datetime] = created_at_column()
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def storage_key(self) -> str:
        return f"exports/{self.token}.zip"

    @property
    def is_done(self) -> bool:
        return self.status in (ExportStatus.READY, ExportStatus.FAILED)
