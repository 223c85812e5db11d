"""Team forms: what a valid team, invite or join-code submission is."""

from wtforms import BooleanField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, NumberRange, ValidationError

from milequest.forms.base import Form
from milequest.forms.filters import strip
from milequest.lib.text_checks import text_problem


def _clean_text(max_length: int, min_length: int = 0):
    def check(form, field) -> None:
        problem = text_problem(field.data or "", min_length=min_length, max_length=max_length)
        if problem:
            raise ValidationError(problem)

    return check


class TeamForm(Form):
    name = StringField(
        "Team name",
        filters=[strip],
        validators=[DataRequired(), _clean_text(60, min_length=3)],
        render_kw={"maxlength": 60, "autocomplete": "off"},
    )
    description = TextAreaField(
        "Description",
        default="",  # a submission without the field means no description
        filters=[strip],
        validators=[_clean_text(500)],
        render_kw={"maxlength": 500, "rows": 3},
    )
    is_public = BooleanField("List this team in the public directory")
    member_limit = IntegerField(
        "Member limit",
        default=50,
        validators=[DataRequired(), NumberRange(2, 500, "Choose between 2 and 500 members.")],
        render_kw={"min": 2, "max": 500, "inputmode": "numeric"},
    )


class EmailInviteForm(Form):
    email = EmailField(
        "Email address",
        filters=[strip],
        validators=[
            DataRequired(),
            Email("Enter an email address like name@example.com."),
            Length(max=320),
        ],
        render_kw={"autocomplete": "off"},
    )


class JoinCodeForm(Form):
    code = StringField(
        "Team code",
        filters=[strip],
        validators=[DataRequired(), Length(max=20)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )
