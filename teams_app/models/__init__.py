"""Models, one module per aggregate. Importing this package registers every table."""

from teams_app.database import Base, utcnow
from teams_app.models.activity import Activity
from teams_app.models.audit import AuditEvent
from teams_app.models.barriers import (
    Action,
    ActionStatus,
    Affects,
    Barrier,
    BarrierCategory,
    BarrierSource,
    BarrierStatus,
    Severity,
)
from teams_app.models.conversations import BarrierSupport, Comment, CommentMention, TargetKind
from teams_app.models.digests import DeliveryStatus, DigestDelivery
from teams_app.models.drafts import FormDraft
from teams_app.models.initiatives import (
    Health,
    Initiative,
    Stage,
    StageChange,
    StageKind,
    StatusUpdate,
)
from teams_app.models.notifications import (
    DEFAULT_DELIVERY,
    Delivery,
    Follow,
    FollowKind,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from teams_app.models.outbox import (
    Heartbeat,
    NoticeDelivery,
    NoticeStatus,
    OutboxJob,
    OutboxStatus,
)
from teams_app.models.people import (
    NO_PASSWORD,
    ApiToken,
    Department,
    DepartmentKind,
    DigestFrequency,
    Level,
    Role,
    User,
)
from teams_app.models.sso import Setting, UserIdentity
from teams_app.models.stories import Cheer, ImpactStory, SatisfactionResult, StoryKind
from teams_app.models.teams import MemberRole, Membership, MemberState, Team, TeamStatus

__all__ = [
    "BarrierSupport",
    "Comment",
    "CommentMention",
    "TargetKind",
    "DEFAULT_DELIVERY",
    "Delivery",
    "Follow",
    "FollowKind",
    "Notification",
    "NotificationKind",
    "NotificationPreference",
    "Action",
    "ActionStatus",
    "Activity",
    "AuditEvent",
    "Cheer",
    "ImpactStory",
    "SatisfactionResult",
    "StoryKind",
    "Affects",
    "Barrier",
    "BarrierCategory",
    "BarrierSource",
    "BarrierStatus",
    "DeliveryStatus",
    "DigestDelivery",
    "FormDraft",
    "Severity",
    "Health",
    "Initiative",
    "Stage",
    "StageChange",
    "StageKind",
    "StatusUpdate",
    "MemberRole",
    "MemberState",
    "Membership",
    "Team",
    "TeamStatus",
    "ApiToken",
    "Base",
    "Department",
    "DepartmentKind",
    "DigestFrequency",
    "Level",
    "Role",
    "User",
    "NO_PASSWORD",
    "Setting",
    "UserIdentity",
    "utcnow",
    "Heartbeat",
    "NoticeDelivery",
    "NoticeStatus",
    "OutboxJob",
    "OutboxStatus",
]
