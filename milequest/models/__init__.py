"""Every model, imported here so that Alembic and `db.create_all` see the whole schema."""

from milequest.models.activity import Activity, JourneyContribution, JourneyMemberDay, WalkerDay
from milequest.models.api_token import ApiToken
from milequest.models.atlas import AtlasFeature
from milequest.models.badge import Badge
from milequest.models.data_export import DataExport
from milequest.models.gps_import import GpsImport
from milequest.models.journey import Journey
from milequest.models.notification import Notification, NotificationSettings
from milequest.models.oidc_identity import OidcIdentity
from milequest.models.operator_action import OperatorAction
from milequest.models.outbound_email import OutboundEmail
from milequest.models.photo import BlockedPhotoHash, Photo
from milequest.models.place import Place
from milequest.models.postcard import Postcard, PostcardView
from milequest.models.push_subscription import PushMessage, PushSubscription
from milequest.models.route import Route, Waypoint
from milequest.models.team import Membership, Team, TeamInvite
from milequest.models.team_event import TeamEvent
from milequest.models.user import User
from milequest.models.walker_session import WalkerSession

__all__ = [
    "Activity",
    "ApiToken",
    "AtlasFeature",
    "Badge",
    "BlockedPhotoHash",
    "DataExport",
    "GpsImport",
    "Journey",
    "JourneyContribution",
    "JourneyMemberDay",
    "Membership",
    "Notification",
    "NotificationSettings",
    "OidcIdentity",
    "OperatorAction",
    "OutboundEmail",
    "Photo",
    "Place",
    "Postcard",
    "PostcardView",
    "PushMessage",
    "PushSubscription",
    "Route",
    "Team",
    "TeamEvent",
    "TeamInvite",
    "User",
    "WalkerDay",
    "WalkerSession",
    "Waypoint",
]
