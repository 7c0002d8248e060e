"""SQLAlchemy 2.0 typed models: tables and database constraints, no business rules."""

from .applications import Application, ApplicationEvent, Attachment, CostItem
from .areas import Area, AreaText, Body, Fund, FundYear, Member
from .ledger import LedgerEntry, ProofOfUse, Receipt
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
from .system import AuditEvent, ContentVersion, LinkGrant, Mail

__all__ = [
    "AgendaItem",
    "Application",
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
    "FundYear",
    "LedgerEntry",
    "LinkGrant",
    "Mail",
    "Member",
    "NoticeOnce",
    "PendingNotice",
    "Position",
    "ProofOfUse",
    "Receipt",
    "Round",
    "RoundMember",
    "StaffUser",
    "Substitution",
    "Vote",
    "staff_area",
]

# The database guards (triggers) need every table defined first.
from . import guards  # noqa: E402

guards.register()
