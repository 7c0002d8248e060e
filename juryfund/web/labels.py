"""Translated labels for the domain's codes, shared by forms and templates."""

from collections.abc import Iterator, Mapping

from flask_babel import lazy_gettext as _l


class TranslatedOnce(Mapping):
    """A label table for one template render: each label is translated on first use, then kept.

    The tables hold lazy strings, which translate again on every use; a ballot of twenty
    items uses the same few labels hundreds of times. A new instance per render keeps
    force_locale (mails in the recipient's language) right.
    """

    def __init__(self, labels: Mapping) -> None:
        self._labels, self._done = labels, {}

    def __getitem__(self, key) -> str:
        if key not in self._done:
            self._done[key] = str(self._labels[key])
        return self._done[key]

    def __iter__(self) -> Iterator:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


FUND_KIND_LABELS = {
    "action_fund": _l("Action fund (Aktionsfonds)"),
    "neighbourhood_fund": _l("Neighbourhood fund (Quartiersfonds)"),
}
BODY_KIND_LABELS = {
    "jury": _l("Jury (Aktionsfondsjury)"),
    "council": _l("Neighbourhood council (Quartiersrat)"),
}
ROLE_LABELS = {
    "resident": _l("Resident"),
    "institution": _l("Representative of an institution"),
}
SEAT_LABELS = {
    "full": _l("Full member"),
    "deputy": _l("Deputy (votes only in place of a named member)"),
    "successor": _l("Successor (steps in when a member leaves)"),
}
#: Short forms for lists and the minutes.
SEAT_SHORT_LABELS = {
    "full": _l("member"),
    "deputy": _l("deputy"),
    "successor": _l("successor"),
}
COMPOSITION_PROBLEM_LABELS = {
    "too_few_members": _l(
        "The body has %(num)s full members; its rule asks for at least %(minimum)s."
    ),
    "too_few_residents": _l(
        "The body has %(num)s residents among its full members; its rule asks for at least %(minimum)s."
    ),
    "residents_not_majority": _l(
        "%(num)s of %(total)s full members are residents; the rule asks for more than half."
    ),
    "age_unconfirmed": _l(
        "For %(num)s full members neither a date of birth nor the minimum age of %(age)s is confirmed."
    ),
}
MAJORITY_LABELS = {
    "simple": _l("Simple majority of votes cast"),
    "two_thirds": _l("Two-thirds majority of votes cast"),
    "absolute": _l("More than half of the eligible members"),
    "unanimous": _l("Unanimous (no vote against)"),
}
CATEGORY_LABELS = {
    "material": _l("Material"),
    "consumables": _l("Consumables"),
    "services": _l("Services (e.g. musician, moderator)"),
    "rent": _l("Room or equipment rent"),
    "publicity": _l("Publicity and printing"),
    "catering": _l("Food and drink"),
    "transport": _l("Transport"),
    "equipment": _l("Equipment"),
    "fee": _l("Fees for others (e.g. a workshop leader)"),
    "applicant_fee": _l("Fees for the applicants themselves"),
    "other": _l("Other"),
}
STATE_LABELS = {
    "submitted": _l("Submitted"),
    "returned": _l("Returned for changes"),
    "ineligible": _l("Ineligible"),
    "ready": _l("Ready for decision"),
    "scheduled": _l("On the agenda"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
    "settled": _l("Settled"),
    "cancelled": _l("Cancelled"),
}
APPLICANT_KIND_LABELS = {
    "person": _l("Private person"),
    "initiative": _l("Initiative (group without legal form)"),
    "association": _l("Registered association (e. V.)"),
}
#: A quorum share in words, keyed like domain.meetings.SHARE_WORDS ("more than half").
SHARE_LABELS = {
    "half": _l("half"),
    "two_thirds": _l("two thirds"),
    "three_quarters": _l("three quarters"),
    "one_third": _l("one third"),
    "three_fifths": _l("three fifths"),
    "all": _l("all"),
}
CHOICE_LABELS = {"yes": _l("Yes"), "no": _l("No"), "abstain": _l("Abstain")}
OUTCOME_LABELS = {
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "no_quorum": _l("Not decided: no quorum"),
}
MODE_LABELS = {"meeting": _l("Meeting"), "circulation": _l("In writing (circulation)")}
ROUND_STATE_LABELS = {
    "draft": _l("In preparation"),
    "open": _l("Open"),
    "closed": _l("Closed"),
    "deferred": _l("Deferred to a meeting"),
}
ENTRY_KIND_LABELS = {
    "allocation": _l("Allocation"),
    "adjustment": _l("Adjustment"),
    "carry_in": _l("Carried over from last year"),
    "commitment": _l("Commitment (approval)"),
    "release": _l("Release"),
    "payment": _l("Payment"),
    "refund": _l("Refund"),
    "carry_out": _l("Carried into next year"),
    "lapse": _l("Lapsed (back to the funder)"),
    "return": _l("Returned from a closed year"),
}
PROOF_STATE_LABELS = {
    "draft": _l("not sent yet"),
    "submitted": _l("sent, to be checked"),
    "changes_requested": _l("changes requested"),
    "accepted": _l("accepted"),
}
#: Where a project story stands (domain.lifecycles.StoryState).
STORY_STATE_LABELS = {
    "submitted": _l("waiting for approval by the QM team"),
    "approved": _l("approved and published"),
    "returned": _l("sent back for changes"),
    "withdrawn": _l("not published: consent withdrawn"),
}
#: Where a payment request stands (domain.lifecycles.PaymentRequestState).
PAYMENT_REQUEST_STATE_LABELS = {
    "requested": _l("requested, to be checked"),
    "approved": _l("approved, to be paid"),
    "paid": _l("paid"),
    "refused": _l("refused"),
}
#: What a payment request asks for (models.payments.REQUEST_KINDS); the books' wording.
PAYMENT_REQUEST_KIND_LABELS = {
    "advance": _l("Advance (before the action)"),
    "reimbursement": _l("Reimbursement (against receipts)"),
}
#: Why the product thinks a member has a conflict of interest (domain.conflicts.Ground).
GROUND_LABELS = {
    "email": _l("same e-mail address as the applicant"),
    "name": _l("same name as the applicant"),
    "organisation": _l("member of the applying organisation"),
    "named": _l("named in the application"),
}
#: Who brought a conflict up (domain.conflicts.RaisedBy).
RAISED_BY_LABELS = {
    "detected": _l("found by juryfund's check"),
    "member": _l("declared by the member"),
    "staff": _l("raised in the body"),
}
FEE_RULE_LABELS = {
    "allowed": _l("Fees are paid like other costs"),
    "forbidden": _l("No fees"),
    "capped": _l("Fees up to a cap"),
}
#: Why a receipt is flagged at proof of use (domain.fundrules.receipt_flags).
RECEIPT_FLAG_LABELS = {
    "before_application": _l("dated before the application was made"),
    "outside_period": _l("dated outside the funding period"),
}
