"""The activity form: what the walker typed, parsed; the domain rules live in the service."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DecimalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Optional, ValidationError

from milequest.forms.filters import strip
from milequest.models.activity import KINDS
from milequest.services.activities import BACKDATE_DAYS

METRES_PER = {"km": Decimal(1000), "mi": Decimal("1609.344")}
QUICK_PICKS = {"km": ("1", "2", "5"), "mi": ("1", "2", "3")}
KIND_LABELS = {
    "walk": "Walk",
    "run": "Run",
    "hike": "Hike",
    "wheelchair": "Wheelchair",
    "other": "Other",
}


def _uuid(form, field) -> None:
    try:
        uuid.UUID(field.data or "")
    except ValueError as exc:
        raise ValidationError("This form is out of date: reload the page.") from exc


def _plain_number(form, field) -> None:
    # "NaN", "Infinity" and "1e999999" parse as decimals; none of them is a distance.
    if field.data is not None and not (field.data.is_finite() and abs(field.data) < 10**12):
        raise ValidationError("Enter the distance as a number, like 3.5.")


class ActivityForm(FlaskForm):
    client_id = HiddenField(validators=[_uuid])
    distance = DecimalField(
        "Distance",
        places=None,
        validators=[InputRequired("Enter how far you went."), _plain_number],
        render_kw={"inputmode": "decimal", "autocomplete": "off", "step": "any", "min": "0"},
    )
    unit = RadioField("Unit", choices=[SelectChoice("km", "km"), SelectChoice("mi", "miles")])
    activity_date = DateField("Date", validators=[DataRequired("Choose the day.")])
    duration_minutes = IntegerField(
        "Duration in minutes (optional)",
        validators=[Optional()],
        render_kw={"inputmode": "numeric", "min": "1"},
    )
    kind = SelectField(
        "Kind", choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS], default="walk"
    )
    note = TextAreaField(
        "Note (optional)", filters=[strip], render_kw={"rows": 2, "maxlength": 500}
    )
    team_id = HiddenField()  # where to go back to after logging

    def distance_m(self) -> Decimal:
        return self.distance.data * METRES_PER[self.unit.data]

    def duration_s(self) -> int | None:
        return self.duration_minutes.data * 60 if self.duration_minutes.data else None


def blank_form(units: str, today: date, team_id: int | None = None) -> ActivityForm:
    """A new form with a fresh client id: submitting it twice logs once."""
    form = ActivityForm(formdata=None, unit=units, activity_date=today)
    form.client_id.data, form.team_id.data = str(uuid.uuid4()), team_id or ""
    return form


def form_context(form: ActivityForm, today: date) -> dict:
    """What templates/activities/_form.html needs besides the action."""
    return {
        "form": form,
        "today": today,
        "earliest": today - timedelta(days=BACKDATE_DAYS),
        "quick_picks": QUICK_PICKS.get(form.unit.data, QUICK_PICKS["km"]),
    }
