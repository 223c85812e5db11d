"""A sign-in with an OpenID Connect provider linked to a walker's account.

The provider's subject (`sub`) is what identifies the walker there: an email address can
change at the provider, the subject cannot. One link per provider and walker.
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column


class OidcIdentity(Model):
    __tablename__ = "oidc_identities"
    __table_args__ = (
        UniqueConstraint("provider", "subject", name="uq_oidc_identities_provider_subject"),
        UniqueConstraint("user_id", "provider", name="uq_oidc_identities_user_id_provider"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(40))  # the configured provider's name
    subject: Mapped[str] = mapped_column(String(255))
    email: Mapped[str] = mapped_column(String(320))  # what the provider said when linked
    created_at: Mapped[datetime] = created_at_column()
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
