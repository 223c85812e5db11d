"""The profile's notification choices: a box per kind and channel, quiet hours, nudge delay."""

from datetime import time

from wtforms import BooleanField, IntegerField, SelectField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired, NumberRange

from milequest.forms.base import Form
from milequest.models.notification import Channel
from milequest.services.notifications import preferences

CHANNEL_LABELS = {
    Channel.IN_APP: "In the app",
    Channel.EMAIL: "By email",
    Channel.PUSH: "On my devices",
}
_HOURS = [SelectChoice("", "No quiet hours")] + [
    SelectChoice(f"{h:02d}:00", f"{h:02d}:00") for h in range(24)
]
LOW, HIGH = preferences.NUDGE_DAYS_RANGE


def box_name(kind, channel) -> str:
    return f"{kind.value}__{channel.value}"


class NotificationSettingsForm(Form):
    quiet_from = SelectField("Quiet from", choices=_HOURS)
    quiet_until = SelectField("Quiet until", choices=_HOURS)
    nudge_after_days = IntegerField(
        "Nudge me after this many days without a walk",
        validators=[
            InputRequired("Enter a number of days."),
            NumberRange(LOW, HIGH, f"Enter a number of days from {LOW} to {HIGH}."),
        ],
        render_kw={"min": LOW, "max": HIGH, "inputmode": "numeric"},
    )

    @classmethod
    def for_choices(cls, choices: preferences.Choices) -> "NotificationSettingsForm":
        data: dict[str, object] = {
            box_name(k, c): wanted for (k, c), wanted in choices.wants.items()
        }
        data["quiet_from"] = f"{choices.quiet_from:%H:%M}" if choices.quiet_from else ""
        data["quiet_until"] = f"{choices.quiet_until:%H:%M}" if choices.quiet_until else ""
        data["nudge_after_days"] = choices.nudge_after_days
        return cls(data=data)

    def rows(self):
        """(kind info, [box fields]) per kind, for the template."""
        return [
            (info, [self[box_name(kind, channel)] for channel in Channel])
            for kind, info in preferences.KINDS.items()
        ]

    def wants(self) -> dict:
        return {
            (kind, channel): bool(self[box_name(kind, channel)].data)
            for kind in preferences.KINDS
            for channel in Channel
        }

    @staticmethod
    def hour(value: str) -> time | None:
        return time.fromisoformat(value) if value else None


for _kind in preferences.KINDS:
    for _channel in Channel:
        setattr(
            NotificationSettingsForm,
            box_name(_kind, _channel),
            BooleanField(CHANNEL_LABELS[_channel]),
        )
