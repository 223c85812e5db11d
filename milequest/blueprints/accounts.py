"""Sign-up, log-in, log-out, email verification, password reset and profile pages."""

import hmac
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user

from milequest.blueprints import read_along
from milequest.extensions import db, limiter, login_manager
from milequest.forms.accounts import (
    LogInForm,
    ProfileForm,
    ResetForm,
    ResetRequestForm,
    SignUpForm,
)
from milequest.htmx import redirect_to_login, see_other
from milequest.services.achievements import badges
from milequest.services.walkers import account_deletion, accounts, walker_sessions
from milequest.services.walkers.account_tokens import TokenError

bp = Blueprint("accounts", __name__)


@bp.app_template_global()
def my_badges() -> list:
    """The signed-in walker's badges, for the profile (one indexed read, only where shown)."""
    return badges.shown(current_user.id)


@bp.app_template_global()
def badge_name(kind: str, key: str, data: dict | None = None) -> str:
    return badges.name(kind, key, data or {})


PENDING_SIGNUP = "pending_signup_user_id"
SIGNUP_NEXT = "signup_next"  # where the walker was going (an invite) when they signed up


@login_manager.user_loader
def load_user(cookie_id: str):
    widen, params = read_along.plan()
    user = walker_sessions.user_for_cookie_id(cookie_id, widen, **params)
    if user is not None:
        read_along.keep(user)
    return user


@login_manager.unauthorized_handler
def unauthorized():
    flash("Please log in to see that page.", "info")
    next_url = request.full_path.rstrip("?") if request.method == "GET" else None
    return redirect_to_login(url_for("accounts.login_form", next=next_url))


def _limit(setting: str):
    return lambda: current_app.config[setting]


def _submitted_email() -> str:
    """The account a limit counts for, by a keyed hash of its address: the limiter writes its
    key into the log when a limit is hit, and keeps it in Redis for the limit's window."""
    email = accounts.normalize_email(request.form.get("email", ""))
    key = current_app.config["SECRET_KEY"].encode()
    return "account:" + hmac.new(key, email.encode(), "sha256").hexdigest()[:32]


def _failed(response) -> bool:
    return response.status_code >= 400  # a log-in answers 303, or 200 to htmx, when it works


def log_in(user, *, remember: bool = False) -> None:
    """A fresh session (nothing carried over) with its server-side row; the caller commits.

    Logging in, however it is done, keeps an account whose deletion was pending.
    """
    session.clear()
    walker_sessions.start_session(user, remember=remember, user_agent=request.user_agent.string)
    login_user(user, remember=remember)
    if account_deletion.cancel_deletion(user):
        flash("Welcome back: your account will not be deleted.", "success")


def safe_next_url(target: str | None) -> str:
    """`target` if it is a path on this site, else the dashboard."""
    if target:
        parts = urlsplit(target.replace("\\", "/"))
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("pages.dashboard")


@bp.get("/signup")
def signup_form():
    return render_template("accounts/signup.html", form=SignUpForm(), next=request.args.get("next"))


@bp.post("/signup")
@limiter.limit(_limit("RATELIMIT_SIGNUP"))
@limiter.limit(_limit("RATELIMIT_SIGNUP"), key_func=_submitted_email)
def signup():
    form = SignUpForm()
    next_url = request.form.get("next")
    if not form.validate():
        return render_template("accounts/signup.html", form=form, next=next_url), 422
    user = accounts.sign_up(
        form.email.data, form.display_name.data, form.password.data, form.timezone.data or "UTC"
    )
    db.session.commit()
    session[PENDING_SIGNUP] = user.id if user else None
    session[SIGNUP_NEXT] = safe_next_url(next_url)
    session["signup_email"] = accounts.normalize_email(form.email.data)
    return see_other(url_for("accounts.check_email"))


@bp.get("/signup/check-email")
def check_email():
    return render_template("accounts/check_email.html", email=session.get("signup_email"))


@bp.get("/verify/<token>")
def verify(token: str):
    try:
        user = accounts.verify_email(token)
    except TokenError as exc:
        return render_template("accounts/token_problem.html", reason=exc.reason, kind="verify"), 400
    next_url = session.pop(SIGNUP_NEXT, None)
    if session.pop(PENDING_SIGNUP, None) == user.id and not current_user.is_authenticated:
        log_in(user)
    db.session.commit()
    flash("Your email is confirmed. Welcome to Mile Quest!", "success")
    if current_user.is_authenticated:
        return redirect(next_url or url_for("pages.dashboard"))
    return redirect(url_for("accounts.login_form"))


@bp.post("/verify/resend")
@login_required
@limiter.limit("5 per hour")
def resend_verification():
    if not current_user.is_verified:
        accounts.send_verification(current_user)
        db.session.commit()
        flash(f"We sent a new confirmation link to {current_user.email}.", "info")
    return see_other(safe_next_url(request.form.get("next")))


@bp.get("/login")
def login_form():
    if current_user.is_authenticated:
        return redirect(safe_next_url(request.args.get("next")))
    return render_template("accounts/login.html", form=LogInForm(), next=request.args.get("next"))


@bp.post("/login")
@limiter.limit(_limit("RATELIMIT_LOGIN"))
@limiter.limit(_limit("RATELIMIT_LOGIN_ACCOUNT"), key_func=_submitted_email, deduct_when=_failed)
def login():
    form = LogInForm()
    next_url = request.form.get("next") or request.args.get("next")
    if not form.validate():
        return render_template("accounts/login.html", form=form, next=next_url), 422
    user = accounts.authenticate(form.email.data, form.password.data)
    if user is None:
        form.form_errors.append("That email and password do not match an account.")
        return render_template("accounts/login.html", form=form, next=next_url), 422
    log_in(user, remember=form.remember.data)
    db.session.commit()  # the session, a rehashed password, a cancelled deletion
    return see_other(safe_next_url(next_url), reload=True)


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        walker_sessions.end_current_session(current_user)
        db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return see_other(url_for("pages.index"), reload=True)


@bp.get("/reset")
def reset_request_form():
    return render_template("accounts/reset_request.html", form=ResetRequestForm())


@bp.post("/reset")
@limiter.limit(_limit("RATELIMIT_RESET"))
@limiter.limit(_limit("RATELIMIT_RESET_ACCOUNT"), key_func=_submitted_email)
def reset_request():
    form = ResetRequestForm()
    if not form.validate():
        return render_template("accounts/reset_request.html", form=form), 422
    accounts.request_password_reset(form.email.data)
    db.session.commit()
    return render_template("accounts/reset_sent.html", email=form.email.data)


@bp.get("/reset/<token>")
def reset_form(token: str):
    try:
        accounts.check_reset_token(token)
    except TokenError as exc:
        return render_template("accounts/token_problem.html", reason=exc.reason, kind="reset"), 400
    return render_template("accounts/reset.html", form=ResetForm(), token=token)


@bp.post("/reset/<token>")
def reset(token: str):
    form = ResetForm()
    if not form.validate():
        return render_template("accounts/reset.html", form=form, token=token), 422
    try:
        user = accounts.reset_password(token, form.password.data)
    except TokenError as exc:
        return render_template("accounts/token_problem.html", reason=exc.reason, kind="reset"), 400
    log_in(user)
    db.session.commit()
    flash("Your password is changed. Other devices have been logged out.", "success")
    return see_other(url_for("pages.dashboard"), reload=True)


@bp.get("/profile")
@login_required
def profile_form():
    return render_template("accounts/profile.html", form=ProfileForm.for_walker(current_user))


@bp.post("/profile")
@login_required
def profile():
    form = ProfileForm()
    if not form.validate():
        return render_template("accounts/profile.html", form=form), 422
    accounts.update_profile(
        current_user,
        form.display_name.data,
        form.units.data,
        form.timezone.data,
        weekly_goal_m=form.weekly_goal_m(),
        stride_cm=form.stride_cm.data,
    )
    db.session.commit()
    flash("Profile saved.", "success")
    return see_other(url_for("accounts.profile_form"))
