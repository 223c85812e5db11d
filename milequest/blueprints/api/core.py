"""The API blueprint and what every operation shares: the OpenAPI spec (spectree, from the
pydantic models each view declares), request validation, field masks, ETags and Link paging.
"""

from collections.abc import Callable
from functools import wraps
from typing import get_args, get_origin
from urllib.parse import quote

from flask import Blueprint, Response, json, request
from pydantic import BaseModel, ValidationError
from spectree import Response as SpecResponse
from spectree import SpecTree

from milequest.blueprints.api.problems import ApiProblem, invalid
from milequest.lib import field_masks

bp = Blueprint("api", __name__, url_prefix="/api/v1")
spec = SpecTree(
    "flask",
    mode="strict",
    title="Mile Quest API",
    version="v1",
    path="openapi",
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda parent, child: child,
)
ID = "int(max=2147483647)"  # a path id: larger ones are no row, never a database error
ERRORS = (400, 401, 404, 422, 429)
WRITE_ERRORS = (*ERRORS, 403)


class Problem(BaseModel):
    """RFC 9457 problem details."""

    type: str
    title: str
    status: int
    detail: str | None = None
    errors: list[dict] | None = None


def operation(
    *,
    tags: tuple[str, ...],
    ok: dict[int, type[BaseModel] | None],
    query: type[BaseModel] | None = None,
    body: type[BaseModel] | None = None,
    form: type[BaseModel] | None = None,
    errors: tuple[int, ...] = ERRORS,
    cached: bool = False,
):
    """Document a view in the spec and validate its query and JSON body with pydantic.

    The view receives `query=` / `body=` (parsed models). Problems answer 422 field by field.
    A `form` (multipart) is only documented: the view reads its files itself.
    """
    codes = {f"HTTP_{code}": model for code, model in ok.items()}
    codes |= {f"HTTP_{code}": Problem for code in errors}
    documented = SpecResponse(*(["HTTP_304"] if cached else []), **codes)

    def decorator(view: Callable):
        @wraps(view)
        def wrapper(**kwargs):
            if query is not None:
                kwargs["query"] = _parse(query, request.args.to_dict())
            if body is not None:
                kwargs["body"] = _parse(body, _json_body())
            return view(**kwargs)

        return spec.validate(
            query=query,
            json=body,
            form=form,
            resp=documented,
            tags=list(tags),
            skip_validation=True,
        )(wrapper)

    return decorator


def _json_body():
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise invalid({"body": "Send a JSON object (Content-Type: application/json)."})
    return data


def _parse(model: type[BaseModel], data: dict) -> BaseModel:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems: dict[str, str] = {}
        for item in error.errors():
            name = ".".join(str(part) for part in item["loc"]) or "body"
            problems.setdefault(name, item["msg"])
        raise invalid(problems) from None


class FieldsQuery(BaseModel):
    fields: str | None = None


def shape_of(model) -> dict | None:
    """The field tree of a pydantic model, for checking a field mask against it."""
    while get_origin(model) is not None:  # list[X], X | None
        model = next((a for a in get_args(model) if a is not type(None)), None)
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    return {name: shape_of(info.annotation) for name, info in model.model_fields.items()}


def resource(model: type[BaseModel], data: dict, *, status: int = 200, headers=None) -> Response:
    """`data` as JSON, cut to `?fields=`, with an ETag (a 304 when If-None-Match matches)."""
    mask = None
    if request.args.get("fields"):
        try:
            mask = field_masks.parse(request.args["fields"])
            field_masks.check(mask, shape_of(model) or {})
        except field_masks.MaskError as error:
            raise ApiProblem(400, str(error), field=error.field) from None
    body = json.dumps(field_masks.apply(mask, data))
    response = Response(body, status=status, mimetype="application/json", headers=headers)
    if request.method == "GET":
        response.headers["Cache-Control"] = "private, no-cache"
        response.add_etag(weak=True)  # compression rewrites strong ETags per encoding
        response.make_conditional(request)
    return response


def next_link(**args) -> dict:
    """A `Link: <...>; rel="next"` header for the next page (same query, new cursor)."""
    query = request.args.to_dict() | {k: str(v) for k, v in args.items()}
    url = request.base_url + "?" + "&".join(f"{k}={_quote(v)}" for k, v in query.items())
    return {"Link": f'<{url}>; rel="next"'}


def _quote(value: str) -> str:
    return quote(value, safe="")
