"""A logged-in device: the server's record of a session, so that ending it really ends it.

The cookie (and a remember-me cookie) carries `<user id>:<token>`; only the token's SHA-256 is
stored, so a leaked table cannot be replayed as cookies.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column, utcnow


class WalkerSession(Model):
    __tablename__ = "walker_sessions"
    __table_args__ = (
        Index("ix_walker_sessions_user_open", "user_id", postgresql_where=text("ended_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    user_agent: Mapped[str] = mapped_column(String(300), default="", server_default="")
    created_at: Mapped[datetime] = created_at_column()
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
