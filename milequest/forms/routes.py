"""Route builder forms: naming a route, adding a place or a point, moving a waypoint."""

from wtforms import BooleanField, FloatField, HiddenField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from milequest.forms.base import Form


def _name_field() -> StringField:
    return StringField(
        "Route name",
        validators=[DataRequired(), Length(1, 120, "Use at most 120 characters.")],
        render_kw={"maxlength": 120},
    )


class NewRouteForm(Form):
    name = _name_field()


class SaveRouteForm(Form):
    name = _name_field()


class PlaceWaypointForm(Form):
    place_id = IntegerField("Place", validators=[InputRequired("Pick a place.")])
    long_ok = BooleanField()  # the walker confirmed a leg far longer than the others


class PointWaypointForm(Form):
    lat = FloatField("Latitude", validators=[InputRequired(), NumberRange(-90, 90)])
    lon = FloatField("Longitude", validators=[InputRequired(), NumberRange(-180, 180)])
    long_ok = BooleanField()


class MoveForm(Form):
    direction = HiddenField(validators=[DataRequired()])
