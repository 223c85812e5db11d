"""My week, streaks, weekly goal and badges: the dashboard's and the profile's numbers."""

from flask_login import current_user

from milequest.blueprints.api import schemas
from milequest.blueprints.api.core import WRITE_ERRORS, FieldsQuery, bp, operation, resource
from milequest.extensions import db
from milequest.services.achievements import badges
from milequest.services.walkers import accounts, walker_stats
from milequest.services.walks import activities


@bp.get("/me/achievements")
@operation(tags=("me",), ok={200: schemas.Achievements}, query=FieldsQuery, cached=True)
def my_achievements(query):
    """This week against my goal, my daily and weekly streaks, and my badges."""
    return resource(schemas.Achievements, _achievements())


@bp.put("/me/weekly-goal")
@operation(
    tags=("me",), ok={200: schemas.Achievements}, body=schemas.WeeklyGoalIn, errors=WRITE_ERRORS
)
def set_weekly_goal(body):
    """Set my weekly goal in metres (Monday to Sunday, my time zone), or clear it with null."""
    accounts.set_weekly_goal(current_user, body.weekly_goal_m)
    db.session.commit()
    return resource(schemas.Achievements, _achievements())


def _achievements() -> dict:
    stats = walker_stats.stats(current_user, activities.today_for(current_user))
    return {
        "weekly_goal_m": stats.weekly_goal_m,
        "this_week_m": float(stats.this_week_m),
        "goal_percent": round(stats.goal_percent, 1),
        "all_time_m": float(stats.all_time_m),
        "daily_streak": {
            "days": stats.streak.days,
            "walked_today": stats.streak.walked_today,
            "at_risk": stats.streak.at_risk,
            "rest_day_free": stats.streak.rest_day_free,
        },
        "weekly_streak_weeks": stats.weekly_streak_weeks,
        "badges": [
            {
                "kind": badge.kind,
                "key": badge.key,
                "name": badges.name(badge.kind, badge.key, badge.data or {}),
                "earned_at": badge.earned_at.isoformat(),
            }
            for badge in badges.shown(current_user.id)
        ],
    }
