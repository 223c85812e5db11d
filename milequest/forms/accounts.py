"""Account forms: what a valid sign-up, log-in, reset or profile submission is."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from milequest.forms.filters import strip
from milequest.lib.passwords import MAX_LENGTH, MIN_LENGTH
from milequest.services.walkers import accounts

TIMEZONES = sorted(accounts.TIMEZONES)


def _password_field(label: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[
            DataRequired(),
            Length(MIN_LENGTH, MAX_LENGTH, f"Use {MIN_LENGTH} to {MAX_LENGTH} characters."),
        ],
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH},
    )


def _email_field() -> EmailField:
    return EmailField(
        "Email",
        filters=[strip],
        validators=[
            DataRequired(),
            Email("Enter an email address like name@example.com."),
            Length(max=320),
        ],
        render_kw={"autocomplete": "email"},
    )


def _display_name_field() -> StringField:
    return StringField(
        "Display name",
        validators=[DataRequired(), Length(1, 60, "Use at most 60 characters.")],
        render_kw={"autocomplete": "nickname", "maxlength": 60},
    )


class SignUpForm(FlaskForm):
    email = _email_field()
    display_name = _display_name_field()
    password = _password_field("Password")
    timezone = HiddenField(filters=[strip])  # filled by static/js/timezone.js when it can


class LogInForm(FlaskForm):
    # No format check: whatever address an account has must be able to log in.
    email = EmailField(
        "Email",
        filters=[strip],
        validators=[DataRequired(), Length(max=320)],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        "Password", validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField("Keep me logged in on this device")


class ResetRequestForm(FlaskForm):
    email = _email_field()


class ResetForm(FlaskForm):
    password = _password_field("New password")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", "The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(FlaskForm):
    display_name = _display_name_field()
    units = SelectField(
        "Units", choices=[SelectChoice("km", "Kilometres"), SelectChoice("mi", "Miles")]
    )
    timezone = SelectField(
        "Time zone", choices=[SelectChoice(tz, tz.replace("_", " ")) for tz in TIMEZONES]
    )


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password to confirm.")],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        "I understand my walks, tracks and photos will be deleted for good",
        validators=[DataRequired("Tick the box to confirm.")],
    )


class SetPasswordForm(FlaskForm):
    """A first password, for a walker who signed up with a provider."""

    password = _password_field("New password")
