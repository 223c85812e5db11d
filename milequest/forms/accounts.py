"""Account forms: what a valid sign-up, log-in, reset or profile submission is."""

from decimal import Decimal, InvalidOperation

from wtforms import (
    BooleanField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from milequest.forms.base import Form
from milequest.forms.filters import strip
from milequest.lib.passwords import MAX_LENGTH, MIN_LENGTH
from milequest.models.user import DEFAULT_STRIDE_CM, MAX_STRIDE_CM, MIN_STRIDE_CM
from milequest.services.walkers import accounts

TIMEZONES = sorted(accounts.TIMEZONES)
METRES_PER = {"km": Decimal(1000), "mi": Decimal("1609.344")}
UNIT_WORDS = {"km": "km", "mi": "miles"}
MAX_WEEKLY_GOAL_M = 1_000_000  # users.weekly_goal_m's check constraint


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


class SignUpForm(Form):
    email = _email_field()
    display_name = _display_name_field()
    password = _password_field("Password")
    timezone = HiddenField(filters=[strip])  # filled by static/js/timezone.js when it can


class LogInForm(Form):
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


class ResetRequestForm(Form):
    email = _email_field()


class ResetForm(Form):
    password = _password_field("New password")
    confirm = PasswordField(
        "Repeat the new password",
        validators=[DataRequired(), EqualTo("password", "The two passwords differ.")],
        render_kw={"autocomplete": "new-password"},
    )


def _stride(form, field) -> None:
    if not (field.raw_data and field.raw_data[0].strip()):
        return
    if field.data is None or not MIN_STRIDE_CM <= field.data <= MAX_STRIDE_CM:
        field.errors[:] = []  # "Not a valid integer value." says less than this
        raise StopValidation(
            f"Enter a stride from {MIN_STRIDE_CM} to {MAX_STRIDE_CM} cm, or leave it empty "
            f"for {DEFAULT_STRIDE_CM} cm."
        )


class ProfileForm(Form):
    display_name = _display_name_field()
    units = SelectField(
        "Units", choices=[SelectChoice("km", "Kilometres"), SelectChoice("mi", "Miles")]
    )
    timezone = SelectField(
        "Time zone", choices=[SelectChoice(tz, tz.replace("_", " ")) for tz in TIMEZONES]
    )
    # In the units chosen in this same form; stored in metres (weekly_goal_m()).
    weekly_goal = DecimalField(
        "Weekly goal",
        places=1,
        validators=[Optional()],
        render_kw={"inputmode": "decimal", "step": "0.1", "min": "0.1"},
    )

    stride_cm = IntegerField(
        "Stride length in cm (optional)",
        validators=[_stride, Optional()],
        render_kw={"inputmode": "numeric", "min": MIN_STRIDE_CM, "max": MAX_STRIDE_CM},
    )

    @classmethod
    def for_walker(cls, walker) -> "ProfileForm":
        form = cls(obj=walker)
        if walker.weekly_goal_m and not form.is_submitted():
            goal = Decimal(walker.weekly_goal_m) / METRES_PER[walker.units]
            form.weekly_goal.data = goal.quantize(Decimal("0.1"))
        return form

    def validate_weekly_goal(self, field) -> None:
        if field.data is None:
            return
        unit = self.units.data if self.units.data in METRES_PER else "km"
        most = (Decimal(MAX_WEEKLY_GOAL_M) / METRES_PER[unit]).quantize(Decimal("1"))
        try:
            metres = Decimal(field.data) * METRES_PER[unit]
        except InvalidOperation:
            metres = Decimal(-1)
        if not Decimal(1) <= metres <= MAX_WEEKLY_GOAL_M:
            raise ValidationError(
                f"Enter a weekly goal from 0.1 to {most:,} {UNIT_WORDS[unit]}, or leave it empty."
            )

    def weekly_goal_m(self) -> int | None:
        if self.weekly_goal.data is None:
            return None
        return round(Decimal(self.weekly_goal.data) * METRES_PER[self.units.data])


class DeleteAccountForm(Form):
    password = PasswordField(
        "Your password",
        validators=[DataRequired("Enter your password to confirm.")],
        render_kw={"autocomplete": "current-password"},
    )
    understood = BooleanField(
        "I understand my walks, tracks and photos will be deleted for good",
        validators=[DataRequired("Tick the box to confirm.")],
    )


class DeleteProviderAccountForm(DeleteAccountForm):
    """For a walker who signs in only through a provider: they have no password to type."""

    password = None
    email = StringField(
        "Your email address",
        validators=[DataRequired("Type your email address to confirm.")],
        render_kw={"autocomplete": "off", "inputmode": "email"},
    )


class SetPasswordForm(Form):
    """A first password, for a walker who signed up with a provider."""

    password = _password_field("New password")
