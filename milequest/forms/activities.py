"""The activity form: what the walker typed, parsed; the domain rules live in the service."""

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from flask import has_request_context, request
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
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import TextInput

from milequest.forms.base import Form
from milequest.forms.filters import strip
from milequest.models.activity import KINDS, MAX_STEPS
from milequest.services.walks import activity_kinds
from milequest.services.walks.activities import BACKDATE_DAYS, METRES_PER

# Quick-pick distances per unit. Every unit's buttons are on the page; CSS shows the ones of
# the unit selected, and each button's value names its unit, so it logs what it says.
QUICK_PICKS = {
    "km": ("1", "2", "5"),
    "mi": ("1", "2", "3"),
    "steps": ("2,000", "5,000", "10,000"),
}
STEPS_TEXT = re.compile(r"[0-9]{1,3}(?:[,. '\u00a0\u202f][0-9]{3})+|[0-9]{1,7}")
STEPS_PROBLEM = f"Enter 1 to {MAX_STEPS:,} steps."
# Languages whose numbers are written 3,5 (CLDR's decimal symbol), by primary language tag.
_DECIMAL_COMMA = """af az be bg bs ca cs da de el es et eu fi fo fr gl hr hu hy id is it ka kk ky
lt lv mk nb nl nn no pl pt ro ru sk sl sq sr sv tr uk uz vi"""
DECIMAL_COMMA_LANGUAGES = frozenset(_DECIMAL_COMMA.split())


def _uuid(form, field) -> None:
    try:
        uuid.UUID(field.data or "")
    except ValueError as exc:
        raise ValidationError("This form is out of date: reload the page.") from exc


class DistanceField(DecimalField):
    """A distance as walkers type it: "3.5", or "3,5" where a decimal comma is written.

    A text box (inputmode decimal), not type=number: a browser silently empties a number box
    holding "12,5" or "three", and the walker would be told they entered nothing.
    """

    widget = TextInput()

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = decimal_text(valuelist[0], decimal_comma=writes_decimal_comma())
        try:
            self.data = Decimal(text)
        except InvalidOperation:
            self.data = None
            raise ValueError(f"Enter the distance as a number, like {self.example()}.") from None
        # "NaN", "Infinity" and "1e999999" parse as decimals; none of them is a distance.
        if not (self.data.is_finite() and abs(self.data) < 10**12):
            self.data = None
            raise ValueError(f"Enter the distance as a number, like {self.example()}.")

    def pre_validate(self, form) -> None:
        """Steps are a whole count: any comma, point or space in one groups thousands."""
        if form.unit.data != "steps":
            return
        self.errors.clear()  # what process_formdata said of it as a distance
        steps = parse_steps(self.raw_data[0] if self.raw_data else "")
        if steps is None:
            self.data = None
            raise StopValidation(STEPS_PROBLEM)
        self.data = Decimal(steps)

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data.normalize():f}"

    @staticmethod
    def example() -> str:
        return "3,5" if writes_decimal_comma() else "3.5"


def decimal_text(typed: str, *, decimal_comma: bool) -> str:
    """A typed number with a "." for its decimal mark and no grouping: "1,5" -> "1.5".

    A lone comma is a decimal mark, except "1,000" where a decimal point is written (there it
    groups thousands, and the distance check then says how far is too far).
    """
    text = typed.strip().replace(" ", "").replace("\u00a0", "")
    if "," in text and "." not in text and text.count(",") == 1:
        grouping = not decimal_comma and len(text.split(",")[1]) == 3
        return text.replace(",", "" if grouping else ".")
    return text.replace(",", "") if "." in text else text


def parse_steps(typed: str) -> int | None:
    """A count of steps as walkers write it ("8000", "8,000", "8.000", "8 000"), if 1 to 100,000.

    Steps are whole: a comma, point or space groups thousands, so "8.5" is no count of steps.
    """
    match = STEPS_TEXT.fullmatch(typed.strip())
    if match is None:
        return None
    steps = int(re.sub(r"\D", "", match.group()))
    return steps if 1 <= steps <= MAX_STEPS else None


def writes_decimal_comma() -> bool:
    """Whether the walker's browser language writes 3,5 for three and a half."""
    if not has_request_context():
        return False
    language = (request.accept_languages.best or "en").split("-")[0].lower()
    return language in DECIMAL_COMMA_LANGUAGES


def _whole_minutes(form, field) -> None:
    if field.raw_data and field.raw_data[0].strip() and field.data is None:
        raise StopValidation("Enter the duration in whole minutes, like 45, or leave it empty.")


def _typed_date(form, field) -> None:
    if field.raw_data and field.raw_data[0].strip() and field.data is None:
        raise StopValidation(
            f"{field.raw_data[0].strip()[:20]} is not a date on the calendar: choose the day."
        )


class ActivityForm(Form):
    client_id = HiddenField(validators=[_uuid])
    distance = DistanceField(
        "Distance",
        places=None,
        validators=[InputRequired("Enter how far you went.")],
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    unit = RadioField(
        "Unit",
        choices=[
            SelectChoice("km", "km"),
            SelectChoice("mi", "miles"),
            SelectChoice("steps", "steps"),
        ],
    )
    activity_date = DateField("Date", validators=[_typed_date, DataRequired("Choose the day.")])
    duration_minutes = IntegerField(
        "Duration in minutes (optional)",
        validators=[_whole_minutes, Optional()],
        render_kw={"inputmode": "numeric", "min": "1"},
    )
    kind = SelectField(
        "Kind", choices=[SelectChoice(k, activity_kinds.label_of(k)) for k in KINDS], default="walk"
    )
    note = TextAreaField(
        "Note (optional)", filters=[strip], render_kw={"rows": 2, "maxlength": 500}
    )
    team_id = HiddenField()  # where to go back to after logging

    def steps(self) -> int | None:
        return int(self.distance.data) if self.unit.data == "steps" else None

    def distance_m(self, stride_m: Decimal) -> Decimal:
        """The distance in metres; steps count `stride_m` each."""
        if self.unit.data == "steps":
            return self.distance.data * stride_m
        return self.distance.data * METRES_PER[self.unit.data]

    def duration_s(self) -> int | None:  # 0 stays 0: the service says it is not a duration
        return None if self.duration_minutes.data is None else self.duration_minutes.data * 60


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
        "quick_picks": QUICK_PICKS,
    }
