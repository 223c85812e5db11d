"""The public REST API at /api/v1: JSON over the same services as the pages (no rules of its
own), authorized as the pages are. `core` holds the blueprint; each module adds operations.
"""

from milequest.blueprints.api import (  # noqa: F401  (each module registers its views)
    access,
    achievements,
    activities,
    atlas,
    docs,
    health,
    imports,
    me,
    teams,
)
from milequest.blueprints.api.core import bp

__all__ = ["bp"]
