"""An email written in the same transaction as the change that caused it (transactional outbox).

The `email` queue delivers it; `sent_at` makes delivery idempotent.
"""

from datetime import datetime

from sqlalchemy import DateTime, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column


class OutboundEmail(Model):
    __tablename__ = "outbound_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(200))
    body_text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    last_error: Mapped[str | None] = mapped_column(Text)
    # Extra headers (List-Unsubscribe for notifications), written as they are.
    headers: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
