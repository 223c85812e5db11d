"""Errors as `application/problem+json` (RFC 9457): one shape for every refusal of the API."""

from flask import Response, json
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES

from milequest.blueprints.errors import MESSAGES

MEDIA_TYPE = "application/problem+json"
VALIDATION_TYPE = "/api/v1/docs#validation-errors"


class ApiProblem(HTTPException):
    """Raise to answer with a problem document; `extra` adds members (e.g. `errors`)."""

    def __init__(self, status: int, detail: str | None = None, **extra) -> None:
        super().__init__(detail)
        self.code = status
        self.extra = extra


def problem(status: int, detail: str | None = None, *, headers=None, **extra) -> Response:
    body = {
        "type": extra.pop("type", "about:blank"),
        "title": extra.pop("title", HTTP_STATUS_CODES.get(status, "Error")),
        "status": status,
    }
    if detail or status in MESSAGES:
        body["detail"] = detail or MESSAGES[status]
    body |= extra
    response = Response(json.dumps(body), status=status, mimetype=MEDIA_TYPE, headers=headers)
    response.headers["Cache-Control"] = "no-store"
    return response


def invalid(errors: dict[str, str], detail: str | None = None) -> ApiProblem:
    """A 422 listing each field's problem, in the words of the matching form."""
    return ApiProblem(
        422,
        detail or "Some of what you sent could not be used.",
        type=VALIDATION_TYPE,
        title="Validation failed",
        errors=[
            {"field": name, "pointer": f"#/{name}", "detail": message}
            for name, message in errors.items()
        ],
    )


def from_http_exception(error: HTTPException) -> Response:
    """The problem for any HTTP error (keeping its headers: Allow, Retry-After...)."""
    status = error.code or 500
    extra = getattr(error, "extra", {})
    detail = error.description if isinstance(error, ApiProblem) else None
    if status == 429:
        detail = "Too many requests for this token. Wait until the rate limit resets."
    headers = [
        (k, v) for k, v in error.get_response().headers if k.lower() not in ("content-type",)
    ]
    return problem(status, detail, headers=headers, **dict(extra))
