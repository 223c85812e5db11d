"""Development only: the emails the file backend wrote, so links can be followed locally."""

from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")


def _mail_dir() -> Path:
    return Path(current_app.config["MAIL_DIR"])


def _read(path: Path) -> dict:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    return {
        "name": path.stem,
        "to": message["To"],
        "subject": message["Subject"],
        "date": message["Date"],
        "body": body.get_content() if (body := message.get_body(("plain",))) else "",
    }


@bp.get("/")
def inbox():
    paths = sorted(_mail_dir().glob("*.eml"), reverse=True)[:100]
    return render_template("devmail/inbox.html", messages=[_read(p) for p in paths])


@bp.get("/<name>")
def message(name: str):
    path = _mail_dir() / f"{name}.eml"
    if "/" in name or not path.is_file():
        abort(404)
    return render_template("devmail/message.html", message=_read(path))
