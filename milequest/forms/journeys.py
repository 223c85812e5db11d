"""The captain's journey forms: start one on a route shown as a card, and set its target date."""

from wtforms import DateField, RadioField
from wtforms.validators import InputRequired, Optional, ValidationError

from milequest.forms.base import Form


class StartJourneyForm(Form):
    # Nothing is preselected: the captain chooses. The view sets `choices`.
    route_id = RadioField(
        "Route",
        coerce=int,
        validate_choice=False,
        validators=[InputRequired("Choose a route for the journey.")],
    )
    target_date = DateField(
        "Target date (optional)", validators=[Optional()], render_kw={"autocomplete": "off"}
    )

    def validate_route_id(self, field: RadioField) -> None:
        if field.data not in {value for value, _ in field.choices}:
            raise ValidationError("Choose one of the routes shown.")


class TargetDateForm(Form):
    target_date = DateField(
        "Target date", validators=[Optional()], render_kw={"autocomplete": "off"}
    )
