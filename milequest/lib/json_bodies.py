"""Reading JSON request bodies: one nested too deeply is unreadable JSON, not a server error.

Python's decoder recurses once per level, so `[[[[...]]]]` a few thousand deep raises
RecursionError, which Flask's `get_json(silent=True)` does not catch (it catches ValueError).
"""

from typing import Any

from flask.json.provider import DefaultJSONProvider


class JSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply to read.") from None
