"""The form a captain starts a journey with: one of the routes shown as cards, and a target."""

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField
from wtforms.validators import InputRequired, Optional, ValidationError


class StartJourneyForm(FlaskForm):
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
