"""The operators' audit log: who did what to which row, and when.

Append-only: a trigger (migration 0018) refuses UPDATE and DELETE. It names the operator by id
and by the address they had then (an operator's account may go later); targets only by kind and
id, so a walker who deletes their account leaves no name or address here.
"""

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from milequest.extensions import Model
from milequest.models.base import created_at_column


class OperatorAction(Model):
    __tablename__ = "operator_actions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # None for the command line (`flask operator grant`), which has no account behind it.
    operator_id: Mapped[int | None] = mapped_column(Integer)
    operator_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    target_kind: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[dict] = mapped_column(JSONB, default=dict, server_default="{}")
    created_at: Mapped[datetime] = created_at_column()
