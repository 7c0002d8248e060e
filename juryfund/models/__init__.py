"""SQLAlchemy 2.0 typed models: tables and database constraints, no business rules."""

from .applications import (
    Application,
    ApplicationCounter,
    ApplicationEvent,
    Attachment,
    CostItem,
)
from .areas import Area, AreaText, Body, Fund, FundSession, FundYear, Member
from .ledger import LedgerEntry, ProofOfUse, Receipt
from .payments import PaymentRequest
from .places import ProjectPin
from .rounds import (
    AgendaItem,
    ConflictDeclaration,
    ConflictFlag,
    ConflictRuling,
    Decision,
    Position,
    Round,
    RoundMember,
    Substitution,
    Vote,
)
from .staff import NoticeOnce, PendingNotice, StaffUser, staff_area
from .stories import ProjectStory, StoryPhoto
from .system import AccessibilityStatement, AuditEvent, ContentVersion, LinkGrant, Mail

__all__ = [
    "AccessibilityStatement",
    "AgendaItem",
    "Application",
    "ApplicationCounter",
    "ApplicationEvent",
    "Area",
    "AreaText",
    "Attachment",
    "AuditEvent",
    "Body",
    "ConflictDeclaration",
    "ConflictFlag",
    "ConflictRuling",
    "ContentVersion",
    "CostItem",
    "Decision",
    "Fund",
    "FundSession",
    "FundYear",
    "LedgerEntry",
    "LinkGrant",
    "Mail",
    "Member",
    "NoticeOnce",
    "PaymentRequest",
    "PendingNotice",
    "Position",
    "ProjectPin",
    "ProjectStory",
    "ProofOfUse",
    "Receipt",
    "Round",
    "RoundMember",
    "StaffUser",
    "StoryPhoto",
    "Substitution",
    "Vote",
    "staff_area",
]

# The database guards (triggers) need every table defined first.
from . import guards  # noqa: E402

guards.register()
