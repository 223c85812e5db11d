"""The form a captain starts a journey with."""

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import DataRequired, Optional


class StartJourneyForm(FlaskForm):
    route_id = SelectField("Route", coerce=int, validators=[DataRequired()])
    target_date = DateField(
        "Target date (optional)", validators=[Optional()], render_kw={"autocomplete": "off"}
    )
