"""A walker's account: identity, credentials and display preferences."""

import hashlib
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, SmallInteger, String, false
from sqlalchemy.dialects.postgresql import CITEXT
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column

UNITS = ("km", "mi")
# A step's length when the walker set none (and the health ingest's): 0.76 m.
DEFAULT_STRIDE_CM = 76
MIN_STRIDE_CM, MAX_STRIDE_CM = 30, 150


class User(UserMixin, Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("units IN ('km', 'mi')", name="units"),
        CheckConstraint("length(display_name) BETWEEN 1 AND 60", name="display_name_length"),
        CheckConstraint(
            "weekly_goal_m IS NULL OR weekly_goal_m BETWEEN 1 AND 1000000", name="weekly_goal"
        ),
        CheckConstraint(
            f"stride_cm IS NULL OR stride_cm BETWEEN {MIN_STRIDE_CM} AND {MAX_STRIDE_CM}",
            name="stride",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(CITEXT, unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    units: Mapped[str] = mapped_column(String(2), default="km", server_default="km")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    created_at: Mapped[datetime] = created_at_column()
    # The walker's own goal for a week (Monday to Sunday, local), in metres; None: no goal.
    weekly_goal_m: Mapped[int | None] = mapped_column(Integer)
    # The walker's stride (one step) in centimetres, for walks logged in steps; None: 76 cm.
    stride_cm: Mapped[int | None] = mapped_column(SmallInteger)
    # Set when the walker asks to delete the account; logging in before then cancels it.
    deletion_due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Granted with `flask operator grant EMAIL`: may use the console at /ops.
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Set by an operator: the account cannot log in and its sessions and tokens stop working.
    disabled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # The token of the session this user object was loaded for (not a column): see get_id.
    session_token: str = ""
    # What the request read with the user in the same query (not a column): see
    # walker_sessions.user_for_cookie_id.
    loaded_with: tuple = ()

    @property
    def stride_m(self) -> Decimal:
        """The length of one of the walker's steps, in metres."""
        return Decimal(self.stride_cm or DEFAULT_STRIDE_CM) / 100

    @property
    def is_disabled(self) -> bool:
        return self.disabled_at is not None

    @property
    def has_password(self) -> bool:
        """False for a walker who signed up with an OpenID provider and set none since."""
        return self.password_hash != ""

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    def local_date(self, moment: datetime) -> date:
        """The date `moment` falls on in the walker's time zone (walks are dated in local days)."""
        return moment.astimezone(ZoneInfo(self.timezone)).date()

    def get_id(self) -> str:
        """The id Flask-Login keeps in the cookies: the user and their server-side session."""
        return f"{self.id}:{self.session_token}"

    @property
    def password_fingerprint(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
