"""Path parameters as the app's URLs take them: text without control characters, bounded ids.

A path parameter reaches a query as it is: NUL cannot be sent to PostgreSQL (psycopg refuses
the statement), so a segment holding a C0 control character matches no URL (404), as a page
that does not exist. Ids are at most a bigint's largest value: past it, no row has the id.
"""

from flask import Flask
from werkzeug.routing import IntegerConverter, UnicodeConverter

CONTROL_CHARACTERS = "\\x00-\\x1f\\x7f"
BIGINT_MAX = 2**63 - 1


class TextConverter(UnicodeConverter):
    def __init__(self, map, minlength: int = 1, maxlength: int | None = None, length=None):
        super().__init__(map, minlength, maxlength, length)
        self.regex = self.regex.replace("[^/]", f"[^/{CONTROL_CHARACTERS}]", 1)


class IdConverter(IntegerConverter):
    def __init__(self, map, fixed_digits: int = 0, min=None, max=BIGINT_MAX, signed=False):
        super().__init__(map, fixed_digits, min, max, signed)


def init_app(app: Flask) -> None:
    """Before any rule is added: rules bind their converters when they are added."""
    app.url_map.converters.update(default=TextConverter, string=TextConverter, int=IdConverter)
