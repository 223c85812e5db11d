"""The profile's form for a new API token."""

from wtforms import SelectField, StringField
from wtforms.fields import SelectChoice
from wtforms.validators import InputRequired

from milequest.forms.base import Form
from milequest.forms.filters import strip
from milequest.services.walkers.api_tokens import LIFETIMES_DAYS


class TokenForm(Form):
    name = StringField(
        "Token name",
        filters=[strip],
        validators=[InputRequired("Name the token after where you will use it.")],
        render_kw={"maxlength": 60, "autocomplete": "off"},
    )
    scope = SelectField(
        "Access",
        choices=[
            SelectChoice("read", "Read only"),
            SelectChoice("write", "Read and write (log walks, health apps)"),
        ],
        default="read",
    )
    lifetime_days = SelectField(
        "Works for",
        choices=[SelectChoice(str(d), f"{d} days") for d in LIFETIMES_DAYS],
        default="90",
    )
