"""Who I am."""

from flask_login import current_user

from milequest.blueprints.api import schemas
from milequest.blueprints.api.core import FieldsQuery, bp, operation, resource


@bp.get("/me")
@operation(tags=("me",), ok={200: schemas.Me}, query=FieldsQuery, cached=True)
def me(query):
    """The walker the token (or session) belongs to."""
    walker = current_user
    return resource(
        schemas.Me,
        {
            "id": walker.id,
            "display_name": walker.display_name,
            "email": walker.email,
            "units": walker.units,
            "timezone": walker.timezone,
        },
    )
