"""The access matrix: every route of the app x every kind of visitor -> the expected status.

Issue 7, item 5; DESIGN.md §2 (who may do what; access fails closed).

The world has two areas, A and B, each with a body, members, a fund and its year, a staff member,
an approved application (decision, commitment, proof of use, an attachment) and an open round.
Every case requests one route of area A as one of these visitors:

    anonymous        nobody: no session at all
    applicant_other  a session holding a status grant for application B (via /status/link/<token>)
    member_other     a session holding a ballot grant for round B (via /ballot/link/<token>)
    staff_other      logged in as staff of area B only
    staff            logged in as staff of area A
    admin            logged in as an administrator
    applicant        (status routes only) the rightful holder: a status grant for application A
    member           (ballot routes only) the rightful holder: a ballot grant for round A

Every rule of `app.url_map` must appear in EXPECTED; a rule that is not listed fails (new routes
fail closed until someone decides who may use them), and so does a listed rule that no longer
exists. Rules, not endpoints, are the keys: one endpoint can have two rules (new / edit), and a
rule added to an old endpoint must be listed too.

A POST carries a valid CSRF token from the same session, so the refusals seen are the access
checks, not CSRF (a CSRF refusal would be a 400, never the 302-to-login or 403 expected).

The world is built once and reused: GETs and refused POSTs run first; after a POST that got
through, a digest of every table tells whether it changed anything, and only then is the world
rebuilt before the next case. Each case runs in a new client carrying a copy of the visitor's
cookies, so nothing a case does to its session (following a link, logging out) leaks into the
next one.

Below the matrix, a few cases mix in an object from elsewhere (another application's file,
another round's item or participant, an unpublished or other area's project) to show that a
grant or an area opens only its own objects.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
from werkzeug.security import generate_password_hash

from juryfund import create_app
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.web.i18n import LANGUAGE_COOKIE
from tests.factories import BodyFactory, FundFactory, FundYearFactory

from ..conftest import PASSWORD, FreshContextClient, _truncate, csrf_from

pytestmark = pytest.mark.security

# --- who -----------------------------------------------------------------------------------------

ANON, APPLICANT_OTHER, MEMBER_OTHER, STAFF_OTHER, STAFF, ADMIN = (
    "anonymous",
    "applicant_other",
    "member_other",
    "staff_other",
    "staff",
    "admin",
)
APPLICANT, MEMBER = "applicant", "member"  # the rightful holders of area A's status / ballot grant
ROLES = (ANON, APPLICANT_OTHER, MEMBER_OTHER, STAFF_OTHER, STAFF, ADMIN)

#: 302 to the staff login page (not merely "some redirect").
LOGIN = "login"

# --- who may do what: the expected status of every rule and method for every visitor -----------


def everyone(status=200, **overrides):
    """A public route: the same answer for every visitor (overrides by role)."""
    return {**dict.fromkeys(ROLES, status), **overrides}


def staff_only(ok):
    """A route of area A's staff: login for visitors without an account, 403 for another area."""
    return {
        ANON: LOGIN,
        APPLICANT_OTHER: LOGIN,
        MEMBER_OTHER: LOGIN,
        STAFF_OTHER: 403,
        STAFF: ok,
        ADMIN: ok,
    }


def admin_only(ok):
    """An administrator's route: staff of any area get 403."""
    return {
        ANON: LOGIN,
        APPLICANT_OTHER: LOGIN,
        MEMBER_OTHER: LOGIN,
        STAFF_OTHER: 403,
        STAFF: 403,
        ADMIN: ok,
    }


def applicant_only(ok):
    """A route behind application A's status grant: 403 for everyone else, staff included."""
    return {**dict.fromkeys(ROLES, 403), APPLICANT: ok}


def member_only(ok):
    """A route behind round A's ballot grant: 403 for everyone else, staff included."""
    return {**dict.fromkeys(ROLES, 403), MEMBER: ok}


LOGGED_IN = {STAFF_OTHER: 302, STAFF: 302, ADMIN: 302}  # the login page sends them on

EXPECTED: dict[tuple[str, str], dict[str, int | set[int] | str]] = {
    # public pages, open data, API, static files, language
    ("/", "GET"): everyone(),
    ("/privacy", "GET"): everyone(),
    ("/accessibility", "GET"): everyone(),
    ("/accessibility/feedback", "GET"): everyone(),
    ("/accessibility/feedback", "POST"): everyone(200),  # no message: the form again
    ("/<slug>/", "GET"): everyone(),
    ("/<slug>/easy", "GET"): everyone(),
    ("/<slug>/apply", "GET"): everyone(),
    ("/<slug>/apply", "POST"): everyone(200),  # an empty form comes back with its errors
    ("/<slug>/apply/done", "GET"): everyone(302),  # nothing sent in this session: back to the form
    ("/<slug>/budget", "GET"): everyone(),
    ("/<slug>/map", "GET"): everyone(),
    ("/map", "GET"): everyone(),
    ("/<slug>/decisions", "GET"): everyone(),
    ("/<slug>/decisions.atom", "GET"): everyone(),
    ("/<slug>/calendar.ics", "GET"): everyone(),
    ("/<slug>/widgets/money", "GET"): everyone(),
    ("/<slug>/widgets/decisions", "GET"): everyone(),
    ("/<slug>/widgets/apply", "GET"): everyone(),
    ("/<slug>/decisions.csv", "GET"): everyone(),
    ("/<slug>/decisions.json", "GET"): everyone(),
    ("/<slug>/projects/<reference>", "GET"): everyone(),
    # An approved story's photo, public while the applicant's consent stands (issue 17).
    ("/<slug>/projects/<reference>/photos/<int:photo_id>", "GET"): everyone(),
    ("/<slug>/report", "GET"): everyone(302),  # to this year's report
    ("/<slug>/report/<int:year>", "GET"): everyone(),
    ("/<slug>/report/<int:year>.pdf", "GET"): everyone(),
    # The city overview for the funder: every figure in it is public per area already.
    ("/report", "GET"): everyone(302),  # to this year's city report
    ("/report/<int:year>", "GET"): everyone(),
    ("/report/<int:year>.pdf", "GET"): everyone(),
    ("/api/v1/areas", "GET"): everyone(),
    ("/api/v1/areas/<slug>", "GET"): everyone(),
    ("/api/v1/areas/<slug>/budget", "GET"): everyone(),
    ("/api/v1/areas/<slug>/decisions", "GET"): everyone(),
    ("/api/v1/openapi.json", "GET"): everyone(),
    ("/static/<path:filename>", "GET"): everyone(),
    ("/language/<code>", "GET"): everyone(302),
    # staff login and logout
    ("/staff/login", "GET"): everyone(200, **LOGGED_IN),
    ("/staff/login", "POST"): everyone(200, **LOGGED_IN),  # no credentials: the form again
    ("/staff/logout", "POST"): {
        ANON: LOGIN,
        APPLICANT_OTHER: LOGIN,
        MEMBER_OTHER: LOGIN,
        STAFF_OTHER: 302,
        STAFF: 302,
        ADMIN: 302,
    },
    # the applicant's status pages: only with application A's grant
    ("/status/link/<token>", "GET"): {
        **everyone(302),
        APPLICANT: 302,
    },  # the link itself is the key
    ("/status/resend", "GET"): everyone(),
    ("/status/resend", "POST"): everyone(200),  # no address: the form again
    ("/status/<reference>", "GET"): applicant_only(200),
    ("/status/<reference>/edit", "GET"): applicant_only(302),  # approved: no longer editable
    ("/status/<reference>/edit", "POST"): applicant_only(302),
    ("/status/<reference>/withdraw", "POST"): applicant_only(200),  # unconfirmed: the page again
    ("/status/<reference>/consent", "POST"): applicant_only(200),  # unconfirmed: the page again
    ("/status/<reference>/place-consent", "POST"): applicant_only(200),  # unconfirmed
    ("/status/<reference>/place-consent/withdraw", "POST"): applicant_only(200),  # unconfirmed
    ("/status/<reference>/files/<int:attachment_id>", "GET"): applicant_only(200),
    ("/status/<reference>/proof", "GET"): applicant_only(200),
    ("/status/<reference>/letter", "GET"): applicant_only(200),
    ("/status/<reference>/letter.pdf", "GET"): applicant_only(200),
    ("/status/<reference>/proof", "POST"): applicant_only(302),  # saved (an empty report and list)
    # The project story: an empty form comes back with its errors; removing a photo is done.
    ("/status/<reference>/story", "GET"): applicant_only(200),
    ("/status/<reference>/story", "POST"): applicant_only(200),
    ("/status/<reference>/story/photos/<int:photo_id>", "GET"): applicant_only(200),
    ("/status/<reference>/story/photos/<int:photo_id>/remove", "POST"): applicant_only(302),
    ("/status/<reference>/story/consent", "POST"): applicant_only(200),  # unconfirmed
    # An empty payment request: the page again with the errors next to the fields.
    ("/status/<reference>/payment-request", "POST"): applicant_only(200),
    # the member's ballot: only with round A's grant
    ("/ballot/link/<token>", "GET"): {**everyone(302), MEMBER: 302},
    ("/ballot/<int:round_id>", "GET"): member_only(200),
    ("/ballot/<int:round_id>/files/<int:attachment_id>", "GET"): member_only(200),
    ("/ballot/<int:round_id>/items/<int:item_id>/vote", "POST"): member_only(302),
    ("/ballot/<int:round_id>/items/<int:item_id>/conflict", "POST"): member_only(302),
    ("/ballot/<int:round_id>/object", "POST"): member_only(302),
    # staff pages of area A
    ("/staff/", "GET"): {**staff_only(200), STAFF_OTHER: 200},  # everyone's own list of areas
    ("/staff/areas/<int:area_id>", "GET"): staff_only(200),
    ("/staff/areas/<int:area_id>/applications", "GET"): staff_only(200),
    ("/staff/areas/<int:area_id>/applications/new", "GET"): staff_only(200),
    ("/staff/areas/<int:area_id>/applications/new", "POST"): staff_only(200),
    ("/staff/areas/<int:area_id>/bodies/new", "GET"): staff_only(200),
    ("/staff/areas/<int:area_id>/bodies/new", "POST"): staff_only(200),
    ("/staff/areas/<int:area_id>/funds/new", "GET"): staff_only(200),
    ("/staff/areas/<int:area_id>/texts", "GET"): staff_only(200),
    # An empty form changes no text and goes back to the page.
    ("/staff/areas/<int:area_id>/texts", "POST"): staff_only(302),
    ("/staff/areas/<int:area_id>/objection-notice", "GET"): staff_only(200),
    # An empty notice is a choice (the standard text): saved.
    ("/staff/areas/<int:area_id>/objection-notice", "POST"): staff_only(302),
    ("/staff/areas/<int:area_id>/funds/new", "POST"): staff_only(200),
    ("/staff/funds/<int:fund_id>/edit", "GET"): staff_only(200),
    ("/staff/funds/<int:fund_id>/edit", "POST"): staff_only(200),
    ("/staff/funds/<int:fund_id>/sessions", "GET"): staff_only(200),
    ("/staff/funds/<int:fund_id>/sessions", "POST"): staff_only(200),  # empty: errors shown
    ("/staff/sessions/<int:session_id>/remove", "POST"): staff_only(302),
    ("/staff/funds/<int:fund_id>/years/new", "GET"): staff_only(200),
    ("/staff/funds/<int:fund_id>/years/new", "POST"): staff_only(200),
    ("/staff/fund-years/<int:fund_year_id>", "GET"): staff_only(200),
    ("/staff/fund-years/<int:fund_year_id>/adjust", "POST"): staff_only(200),
    ("/staff/fund-years/<int:fund_year_id>/close", "POST"): staff_only(200),
    # Downloads for the accounts and the funder (CSV or XLSX by the fmt part).
    ("/staff/fund-years/<int:fund_year_id>/bookings.<any(csv, xlsx):fmt>", "GET"): staff_only(200),
    ("/staff/fund-years/<int:fund_year_id>/payments.<any(csv, xlsx):fmt>", "GET"): staff_only(200),
    ("/staff/fund-years/<int:fund_year_id>/grants.<any(csv, xlsx):fmt>", "GET"): staff_only(200),
    # Bank details: the area's own staff only, not an administrator from outside.
    ("/staff/fund-years/<int:fund_year_id>/payment-list.<any(csv, xlsx):fmt>", "GET"): {
        **staff_only(200),
        ADMIN: 403,
    },
    ("/staff/bodies/<int:body_id>", "GET"): staff_only(200),
    ("/staff/bodies/<int:body_id>/edit", "GET"): staff_only(200),
    ("/staff/bodies/<int:body_id>/edit", "POST"): staff_only(200),
    ("/staff/bodies/<int:body_id>/members/new", "GET"): staff_only(200),
    ("/staff/bodies/<int:body_id>/members/new", "POST"): staff_only(200),
    ("/staff/bodies/<int:body_id>/rounds/new", "GET"): staff_only(200),
    ("/staff/bodies/<int:body_id>/rounds/new", "POST"): staff_only(200),
    ("/staff/members/<int:member_id>/edit", "GET"): staff_only(200),
    # An edit form posted without fields keeps the stored values (unticked boxes are off): saved.
    ("/staff/members/<int:member_id>/edit", "POST"): staff_only(302),
    ("/staff/members/<int:member_id>/remove", "POST"): staff_only(302),
    # Not a successor: refused with a message, back to the body page.
    ("/staff/members/<int:member_id>/move-up", "POST"): staff_only(302),
    ("/staff/applications/<int:application_id>", "GET"): staff_only(200),
    (
        "/staff/applications/<int:application_id>/<any(return, ineligible, ready):action>",
        "POST",
    ): staff_only(200),
    ("/staff/applications/<int:application_id>/note", "POST"): staff_only(200),
    # Without the request note: the page again with the error.
    ("/staff/applications/<int:application_id>/consent", "POST"): staff_only(200),
    # No coordinates: the page again with the errors; no pin to remove: back to the page.
    ("/staff/applications/<int:application_id>/pin", "POST"): staff_only(200),
    ("/staff/applications/<int:application_id>/pin/remove", "POST"): staff_only(302),
    ("/staff/applications/<int:application_id>/place-consent", "POST"): staff_only(200),
    ("/staff/applications/<int:application_id>/erase", "GET"): staff_only(200),
    ("/staff/applications/<int:application_id>/status-link", "POST"): staff_only(302),
    ("/staff/applications/<int:application_id>/files", "POST"): staff_only(200),  # no file
    # Everyone's own notification settings.
    ("/staff/notices", "GET"): {**staff_only(200), STAFF_OTHER: 200},
    ("/staff/notices", "POST"): {**staff_only(302), STAFF_OTHER: 302},  # no kind is a choice
    ("/staff/applications/<int:application_id>/erase", "POST"): staff_only(200),
    ("/staff/applications/<int:application_id>/money", "GET"): staff_only(200),
    ("/staff/applications/<int:application_id>/audit", "GET"): staff_only(200),
    ("/staff/applications/<int:application_id>/personal-data.json", "GET"): staff_only(200),
    ("/staff/applications/<int:application_id>/letter", "GET"): staff_only(200),
    ("/staff/applications/<int:application_id>/letter.pdf", "GET"): staff_only(200),
    ("/staff/applications/<int:application_id>/payment", "POST"): staff_only(200),
    ("/staff/applications/<int:application_id>/refund", "POST"): staff_only(200),
    ("/staff/applications/<int:application_id>/cancel", "POST"): staff_only(200),
    # Payment requests: an empty one is the page again; the world has no request to act on.
    ("/staff/applications/<int:application_id>/payment-requests", "POST"): staff_only(200),
    (
        "/staff/applications/<int:application_id>/payment-requests/<int:request_id>/approve",
        "POST",
    ): staff_only(404),
    (
        "/staff/applications/<int:application_id>/payment-requests/<int:request_id>/paid",
        "POST",
    ): staff_only(404),
    (
        "/staff/applications/<int:application_id>/payment-requests/<int:request_id>/refuse",
        "POST",
    ): staff_only(404),
    (
        "/staff/applications/<int:application_id>/proof/<any(accept, changes, refund):step>",
        "POST",
    ): staff_only(200),
    # Staff enter the proof for the applicant: the form; an empty one is saved as it is.
    ("/staff/applications/<int:application_id>/proof/edit", "GET"): staff_only(200),
    ("/staff/applications/<int:application_id>/proof/edit", "POST"): staff_only(302),
    # Without a choice the money page comes back with the error next to the field.
    (
        "/staff/applications/<int:application_id>/proof/receipts/<int:receipt_id>",
        "POST",
    ): staff_only(200),
    ("/staff/files/<int:attachment_id>", "GET"): staff_only(200),
    # The project story: an empty form and an empty return note come back with their errors;
    # the world's story is approved already, so approving again is refused on the page.
    ("/staff/applications/<int:application_id>/story", "GET"): staff_only(200),
    ("/staff/applications/<int:application_id>/story", "POST"): staff_only(200),
    ("/staff/applications/<int:application_id>/story/approve", "POST"): staff_only(200),
    ("/staff/applications/<int:application_id>/story/return", "POST"): staff_only(200),
    # Without the request note: the page again with the error.
    ("/staff/applications/<int:application_id>/story/consent", "POST"): staff_only(200),
    ("/staff/applications/<int:application_id>/story/photos/<int:photo_id>", "GET"): staff_only(
        200
    ),
    (
        "/staff/applications/<int:application_id>/story/photos/<int:photo_id>/remove",
        "POST",
    ): staff_only(302),
    ("/staff/rounds/<int:round_id>", "GET"): staff_only(200),
    ("/staff/rounds/<int:round_id>/edit", "GET"): staff_only(200),
    ("/staff/rounds/<int:round_id>/edit", "POST"): staff_only(200),
    ("/staff/rounds/<int:round_id>/agenda", "POST"): staff_only(302),
    ("/staff/rounds/<int:round_id>/open", "POST"): staff_only(302),
    ("/staff/rounds/<int:round_id>/remind", "POST"): staff_only(302),
    ("/staff/rounds/<int:round_id>/close", "POST"): staff_only(302),
    ("/staff/rounds/<int:round_id>/record", "POST"): staff_only(302),
    # An incomplete ruling shows the page again; an unknown member is not found.
    ("/staff/rounds/<int:round_id>/conflicts", "POST"): staff_only(200),
    ("/staff/rounds/<int:round_id>/members", "POST"): staff_only(404),
    # An empty deputy form shows the page again with its errors; an unknown seat is not found.
    ("/staff/rounds/<int:round_id>/deputies", "POST"): staff_only(200),
    (
        "/staff/rounds/<int:round_id>/deputies/<int:substitution_id>/withdraw",
        "POST",
    ): staff_only(404),
    ("/staff/rounds/<int:round_id>/participants/<int:participant_id>/revoke", "POST"): staff_only(
        302
    ),
    ("/staff/rounds/<int:round_id>/participants/<int:participant_id>/new-link", "POST"): staff_only(
        302
    ),
    ("/staff/rounds/<int:round_id>/items/<int:item_id>/confirm", "GET"): staff_only(200),
    ("/staff/rounds/<int:round_id>/items/<int:item_id>/confirm", "POST"): staff_only(200),
    ("/staff/rounds/<int:round_id>/minutes", "GET"): staff_only(200),
    ("/staff/rounds/<int:round_id>/minutes/print", "GET"): staff_only(200),
    ("/staff/rounds/<int:round_id>/minutes.pdf", "GET"): staff_only(200),
    # Round A is written (circulation): it has no meeting course to record.
    ("/staff/rounds/<int:round_id>/meeting", "POST"): staff_only(404),
    # An empty repeat form shows the page again with its errors.
    ("/staff/rounds/<int:round_id>/repeat", "POST"): staff_only(200),
    # Not a meeting: refused with a message, back to the round page.
    ("/staff/rounds/<int:round_id>/items/<int:item_id>/presentation", "POST"): staff_only(302),
    ("/staff/rounds/<int:round_id>/audit", "GET"): staff_only(200),
    ("/staff/decisions/<int:decision_id>/correct", "GET"): staff_only(200),
    ("/staff/decisions/<int:decision_id>/correct", "POST"): staff_only(200),
    # administration
    ("/staff/overview", "GET"): admin_only(200),
    ("/staff/admin/areas", "GET"): admin_only(200),
    ("/staff/admin/areas/new", "GET"): admin_only(200),
    ("/staff/admin/areas/new", "POST"): admin_only(200),
    ("/staff/admin/areas/<int:area_id>/edit", "GET"): admin_only(200),
    ("/staff/admin/areas/<int:area_id>/edit", "POST"): admin_only(200),
    ("/staff/admin/staff", "GET"): admin_only(200),
    ("/staff/admin/staff/new", "GET"): admin_only(200),
    ("/staff/admin/staff/new", "POST"): admin_only(200),
    ("/staff/admin/staff/<int:user_id>/edit", "GET"): admin_only(200),
    ("/staff/admin/staff/<int:user_id>/edit", "POST"): admin_only(302),  # saved, as above
    ("/staff/admin/staff/<int:user_id>/unlock", "POST"): admin_only(302),  # back to the account
    ("/staff/admin/accessibility", "GET"): admin_only(200),
    ("/staff/admin/accessibility", "POST"): admin_only(200),  # nothing filled in: the form again
}

#: Answers that refuse: such a request changed nothing, so the world can be reused after it.
REFUSALS = {LOGIN, 400, 403, 404, 405}

# --- the world -----------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n% matrix test file\n"
#: A cheap hash of the test password, so the many logins through the real form stay fast.
CHEAP_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


@dataclass
class AreaIds:
    """The ids, references and tokens of one area's objects."""

    id: int = 0
    slug: str = ""
    fund_id: int = 0
    fund_year_id: int = 0
    body_id: int = 0
    member_id: int = 0  # a member who is not the ballot holder (may be removed by a case)
    staff_email: str = ""
    staff_id: int = 0
    application_id: int = 0  # approved, decided, committed, with proof of use and attachment
    reference: str = ""
    attachment_id: int = 0
    receipt_id: int = 0  # a receipt of the approved application's proof of use
    decision_id: int = 0
    round_id: int = 0  # open, with `item_id` on its agenda
    item_id: int = 0
    ready_reference: str = ""  # the application on the open round's agenda (not published)
    ballot_attachment_id: int = 0  # a file of that application
    participant_id: int = 0  # of `member_id` in the open round
    status_token: str = ""  # the applicant's link to application `application_id`
    ballot_token: str = ""  # a member's link to round `round_id` (not `member_id`'s)
    session_id: int = 0  # an announced jury session of the fund
    photo_id: int = 0  # an approved, public photo of the approved application's story


def _build_area(n: int) -> AreaIds:
    """Area n with body, members, fund, year, an approved application and an open round."""
    from juryfund.domain.actors import Actor
    from juryfund.models import StaffUser
    from juryfund.services import (
        ballots,
        decisions,
        intake,
        proofs,
        rounds,
        sessions,
        setup,
        stories,
    )
    from tests.photos import png

    from ..voting.conftest import make_ready

    letter = "AB"[n]
    area = setup.save_area(
        None,
        name=f"Matrixkiez {letter}",
        slug=f"matrix-{letter.lower()}",
        code=f"MX{letter}",
        city="Berlin",
        timezone="Europe/Berlin",
        languages=["de", "en"],
        description="",
        action_fields="Nachbarschaft\nKultur",
    )
    staff = StaffUser(
        email=f"staff-{letter.lower()}@example.org",
        name=f"Staff {letter}",
        role="staff",
        password_hash=CHEAP_HASH,
        areas=[area],
    )
    db.session.add(staff)
    body = BodyFactory(area=area, name=f"Jury {letter}", members=5)
    fund = FundFactory(area=area, body=body, fund_year=None)
    fund_year = FundYearFactory(fund=fund)
    db.session.flush()

    # An approved application: decided in a closed round, committed, proof of use started.
    approved = make_ready(
        area, fund, "Pflanzaktion", 48000, email=f"applicant-{letter.lower()}@example.org"
    )
    decided = rounds.save_round(
        None,
        body,
        mode="circulation",
        title="Umlauf 1",
        place="",
        actor=staff.actor,
        when=datetime.now(UTC) + timedelta(days=5),
    )
    rounds.set_agenda(decided, [approved.id])
    rounds.open_round(decided, actor=staff.actor)
    for participant in decided.participants[:4]:
        ballots.cast_vote(participant, decided.agenda[0], "yes")
    rounds.close_round(decided, actor=staff.actor, early_reason="Vor der Frist geschlossen.")
    decision = decisions.confirm_approval(
        decided.agenda[0],
        amount_cents=40000,
        conditions="",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    attachment = _attach(approved)
    proof = proofs.proof_for(approved)
    proofs.save(
        proof,
        report="Es hat geklappt.",
        receipts=[proofs.ReceiptLine(clock.today_in(None), "Baumarkt", "Erde", 3000)],
    )
    proofs.add_file(proof, "beleg.pdf", PDF, kind="receipt")
    receipt_id = proof.receipts[0].id
    story = stories.save(
        approved,
        text="Das Beet ist bepflanzt.",
        consent=True,
        photos=[stories.NewPhoto(png(), "Das Beet", field="new_photos-0-file")],
        actor=Actor.applicant(approved.reference),
    )
    stories.approve(approved, actor=staff.actor)

    # An open round with another ready application on its agenda.
    ready = make_ready(area, fund, "Lesecafé", 30000, email=f"reader-{letter.lower()}@example.org")
    ballot_file = _attach(ready)
    open_ = rounds.save_round(
        None,
        body,
        mode="circulation",
        title="Umlauf 2",
        place="",
        actor=staff.actor,
        when=datetime.now(UTC) + timedelta(days=7),
    )
    rounds.set_agenda(open_, [ready.id])
    rounds.open_round(open_, actor=staff.actor)
    holder, other = open_.participants[0], open_.participants[-1]
    jury_session = sessions.add_session(
        fund,
        meets_on=clock.today_in(None) + timedelta(days=60),
        apply_by=clock.today_in(None) + timedelta(days=50),
        actor=staff.actor,
    )
    db.session.flush()
    return AreaIds(
        id=area.id,
        slug=area.slug,
        fund_id=fund.id,
        fund_year_id=fund_year.id,
        body_id=body.id,
        member_id=other.member_id,
        staff_email=staff.email,
        staff_id=staff.id,
        application_id=approved.id,
        reference=approved.reference,
        attachment_id=attachment.id,
        receipt_id=receipt_id,
        decision_id=decision.id,
        round_id=open_.id,
        item_id=open_.agenda[0].id,
        ready_reference=ready.reference,
        ballot_attachment_id=ballot_file.id,
        participant_id=other.id,
        status_token=intake.new_status_token(approved),
        ballot_token=rounds.ballot_token(holder),
        session_id=jury_session.id,
        photo_id=story.photos[0].id,
    )


def _attach(application):
    """A PDF quote on the application, uploaded as the form does it."""
    from juryfund.services import intake

    key = intake.new_draft_key()
    attachment = intake.stage_upload(key, "Angebot.pdf", PDF, already=0)
    intake.claim_uploads(application, key)
    db.session.flush()
    return attachment


@dataclass
class World:
    """Areas A and B, an administrator, and each visitor's cookies."""

    app: object
    url: str
    a: AreaIds = field(default_factory=AreaIds)
    b: AreaIds = field(default_factory=AreaIds)
    admin_email: str = ""
    cookies: dict[str, dict[str, str]] = field(default_factory=dict)
    dirty: bool = True
    pristine: str = ""  # the fingerprint of the database as built

    def ensure_fresh(self) -> None:
        """Rebuild everything after a case that may have changed something."""
        if not self.dirty:
            return
        db.session.remove()
        _truncate(self.url)
        from juryfund.models import StaffUser

        self.a = _build_area(0)
        self.b = _build_area(1)
        self.admin_email = "admin@example.org"
        db.session.add(
            StaffUser(
                email=self.admin_email, name="Ada Admin", role="admin", password_hash=CHEAP_HASH
            )
        )
        db.session.commit()
        db.session.remove()  # no transaction left open between cases (it would block TRUNCATE elsewhere)
        self.cookies = {
            ANON: {},
            APPLICANT_OTHER: self._land(f"/status/link/{self.b.status_token}"),
            MEMBER_OTHER: self._land(f"/ballot/link/{self.b.ballot_token}"),
            STAFF_OTHER: self._login(self.b.staff_email),
            STAFF: self._login(self.a.staff_email),
            ADMIN: self._login(self.admin_email),
            APPLICANT: self._land(f"/status/link/{self.a.status_token}"),
            MEMBER: self._land(f"/ballot/link/{self.a.ballot_token}"),
        }
        self.pristine = fingerprint()
        self.dirty = False

    def check_changed(self) -> None:
        """After a request that may have changed the database: rebuild before the next case if it did."""
        self.dirty = self.dirty or fingerprint() != self.pristine

    def _land(self, path: str) -> dict[str, str]:
        client = self.app.test_client()
        response = client.get(path)
        assert response.status_code == 302, (path, response.status_code)
        return _cookies(client)

    def _login(self, email: str) -> dict[str, str]:
        client = self.app.test_client()
        token = csrf_from(client.get("/staff/login").get_data(as_text=True))
        response = client.post(
            "/staff/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
        )
        assert response.status_code == 302 and "/staff/login" not in response.location, email
        return _cookies(client)

    def client(self, role: str):
        """A new client carrying a copy of the visitor's cookies."""
        client = self.app.test_client()
        for name, value in self.cookies[role].items():
            client.set_cookie(name, value)
        return client


def fingerprint() -> str:
    """A digest of every row of every table: equal digests, same world."""
    digest = hashlib.sha256()
    with db.engine.connect() as connection:
        for name in sorted(db.metadata.tables):
            rows = sorted(
                repr(tuple(row)) for row in connection.execute(db.metadata.tables[name].select())
            )
            digest.update(f"{name}:{len(rows)}:{''.join(rows)}".encode())
    return digest.hexdigest()


def _cookies(client) -> dict[str, str]:
    return {
        name: cookie.value
        for name in ("session", LANGUAGE_COOKIE)
        if (cookie := client.get_cookie(name)) is not None
    }


@pytest.fixture(scope="module")
def world(database_url, tmp_path_factory):
    """A dedicated app with the two-area world, built once and rebuilt only when dirty."""
    path = tmp_path_factory.mktemp("matrix")
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "JURYFUND_SECRET_KEYS": ["matrix-secret"],
            "JURYFUND_MAIL_BACKEND": "file",
            "JURYFUND_INSTANCE_PATH": str(path),
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(path)
    app.test_client_class = FreshContextClient
    with app.app_context():
        built = World(app=app, url=database_url)
        yield built
        db.session.remove()
        db.engine.dispose()
    _truncate(database_url)


# --- the URLs ------------------------------------------------------------------------------------

STATIC_FILE = "app.css"
ENUMS = {"action": "ready", "step": "accept", "fmt": "xlsx"}


def url_values(rule, world: World) -> dict[str, object]:
    """Area A's object for every parameter of the rule; an unknown parameter fails the case."""
    a, blueprint = world.a, rule.endpoint.split(".")[0]
    values = {
        "slug": a.slug,
        "area_id": a.id,
        "fund_id": a.fund_id,
        "fund_year_id": a.fund_year_id,
        "body_id": a.body_id,
        "member_id": a.member_id,
        "round_id": a.round_id,
        "item_id": a.item_id,
        "participant_id": a.participant_id,
        # The world names no deputy: withdrawing an unknown substitution is not found.
        "substitution_id": 999_999,
        "session_id": a.session_id,
        # Nor a payment request: acting on an unknown one is not found.
        "request_id": 999_999,
        "application_id": a.application_id,
        "attachment_id": a.ballot_attachment_id if blueprint == "ballot" else a.attachment_id,
        "decision_id": a.decision_id,
        "receipt_id": a.receipt_id,
        "photo_id": a.photo_id,
        "user_id": a.staff_id,
        "reference": a.reference,
        "token": {"status": a.status_token, "ballot": a.ballot_token}.get(blueprint),
        "code": "en",
        "year": clock.today_in(None).year,
        "filename": STATIC_FILE,
        **ENUMS,
    }
    unknown = sorted(name for name in rule.arguments if values.get(name) is None)
    assert not unknown, f"route {rule.rule}: no value for {unknown}; add them to url_values()"
    return {name: values[name] for name in rule.arguments}


def fill(rule, values: dict[str, object]) -> str:
    """The rule's path with its parameters filled in."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: str(values[m.group(1)]), rule.rule)


# --- the cases -----------------------------------------------------------------------------------

_RULE_APP = create_app(
    {"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://", "JURYFUND_SECRET_KEYS": ["x"]}
)
_PAIRS = [
    ((rule.rule, method), rule)
    for rule in _RULE_APP.url_map.iter_rules()
    for method in sorted(rule.methods - {"HEAD", "OPTIONS"})
]
RULES = dict(_PAIRS)
assert len(RULES) == len(_PAIRS), "two rules share a path and method"


def _roles(key) -> list[str]:
    expected = EXPECTED.get(key, {})
    return [role for role in (*ROLES, APPLICANT, MEMBER) if role in expected] or list(ROLES)


def _allowed(expected) -> bool:
    """True unless the expected answer is a refusal."""
    return not (expected in REFUSALS or (isinstance(expected, set) and expected <= REFUSALS))


def _cases():
    cases = [(key, role) for key in RULES for role in _roles(key)]
    # Cases that cannot change anything first, so the world is rebuilt as rarely as possible.
    cases.sort(
        key=lambda case: case[0][1] != "GET" and _allowed(EXPECTED.get(case[0], {}).get(case[1]))
    )
    return [pytest.param(key, role, id=f"{key[1]} {key[0]} {role}") for key, role in cases]


def _request(world: World, role: str, method: str, url: str, expected):
    """One request as the visitor, with a valid CSRF token of their session for anything but GET."""
    world.ensure_fresh()
    client = world.client(role)
    data = {}
    if method != "GET":
        data["csrf_token"] = csrf_from(client.get("/status/resend").get_data(as_text=True))
    response = client.open(url, method=method, data=data)
    if method != "GET" and (_allowed(expected) or not _matches(response, expected)):
        world.check_changed()  # it got through (or did something unexpected)
    assert response.status_code != 500, f"{method} {url} as {role}: server error"
    return response


def _matches(response, expected) -> bool:
    status, location = response.status_code, response.headers.get("Location", "")
    to_login = status == 302 and location.split("?")[0].endswith("/staff/login")
    if expected == LOGIN:
        return to_login
    if to_login:
        return False  # a logged-in user's case must not be answered by the login page
    return status in expected if isinstance(expected, set) else status == expected


def test_every_listed_route_exists():
    """A stale row would hide that the matrix no longer describes the app."""
    stale = sorted(set(EXPECTED) - set(RULES))
    assert not stale, f"routes in the access matrix that the app no longer has: {stale}"


def test_every_row_names_every_visitor():
    incomplete = sorted(key for key, row in EXPECTED.items() if not set(ROLES) <= set(row))
    assert not incomplete, f"rows without an answer for every visitor: {incomplete}"


@pytest.mark.parametrize(("key", "role"), _cases())
def test_access(world, key, role):
    """Route x visitor -> the status the matrix expects; never a 500."""
    path_rule, method = key
    rule = RULES[key]
    assert key in EXPECTED, (
        f"new route {method} {path_rule} ({rule.endpoint}) must be added to the access matrix"
    )
    expected = EXPECTED[key][role]
    world.ensure_fresh()
    url = fill(rule, url_values(rule, world))
    response = _request(world, role, method, url, expected)
    assert _matches(response, expected), (
        f"{method} {url} ({rule.endpoint}) as {role}: expected {expected}, got {response.status_code} "
        f"{response.headers.get('Location', '')}"
    )
    _check_caching(rule, role, response)


def _check_caching(rule, role: str, response) -> None:
    """Personal answers forbid every cache (issue 15); public pages for the public do not."""
    no_store = "no-store" in response.headers.get("Cache-Control", "")
    personal_path = rule.rule.startswith(("/staff", "/status", "/ballot")) or (
        rule.endpoint.startswith("apply.")
    )
    if role in (STAFF, STAFF_OTHER, ADMIN) or personal_path:
        assert no_store, f"{rule.rule} as {role} may be cached: {response.headers}"
    elif role == ANON and response.status_code == 200:
        assert not no_store, f"{rule.rule} is public but forbids caching"


# --- a grant or an area opens only its own objects ------------------------------------------------
# The matrix fills every parameter with area A's objects; here a rightful visitor mixes in an object
# that belongs elsewhere (another application's file, another round's item or participant).

MIXED = [
    # (visitor, method, path built from world.a / world.b, expected)
    (APPLICANT, "GET", lambda a, b: f"/status/{a.reference}/files/{a.ballot_attachment_id}", 404),
    (APPLICANT, "GET", lambda a, b: f"/status/{a.reference}/files/{b.attachment_id}", 404),
    (MEMBER, "GET", lambda a, b: f"/ballot/{a.round_id}/files/{a.attachment_id}", 404),
    (MEMBER, "GET", lambda a, b: f"/ballot/{a.round_id}/files/{b.ballot_attachment_id}", 404),
    (MEMBER, "POST", lambda a, b: f"/ballot/{a.round_id}/items/{b.item_id}/vote", 404),
    (MEMBER, "POST", lambda a, b: f"/ballot/{a.round_id}/items/{b.item_id}/conflict", 404),
    (MEMBER, "GET", lambda a, b: f"/status/{a.reference}", 403),
    (APPLICANT, "GET", lambda a, b: f"/status/{b.reference}/letter.pdf", 403),
    (STAFF, "GET", lambda a, b: f"/staff/applications/{b.application_id}/letter", 403),
    (APPLICANT, "GET", lambda a, b: f"/ballot/{a.round_id}", 403),
    (STAFF, "GET", lambda a, b: f"/staff/rounds/{a.round_id}/items/{b.item_id}/confirm", 404),
    (
        STAFF,
        "POST",
        lambda a, b: f"/staff/rounds/{a.round_id}/participants/{b.participant_id}/revoke",
        404,
    ),
    (STAFF, "GET", lambda a, b: f"/staff/files/{b.attachment_id}", 403),
    (STAFF, "GET", lambda a, b: f"/staff/applications/{b.application_id}/personal-data.json", 403),
    # public pages show only what is published, and only in its own area
    (ANON, "GET", lambda a, b: f"/{a.slug}/projects/{a.ready_reference}", 404),
    (ANON, "GET", lambda a, b: f"/{b.slug}/projects/{a.reference}", 404),
    # a story photo opens only with its own application, area and project
    (APPLICANT, "GET", lambda a, b: f"/status/{a.reference}/story/photos/{b.photo_id}", 404),
    (
        STAFF,
        "GET",
        lambda a, b: f"/staff/applications/{a.application_id}/story/photos/{b.photo_id}",
        404,
    ),
    (ANON, "GET", lambda a, b: f"/{a.slug}/projects/{a.reference}/photos/{b.photo_id}", 404),
    (ANON, "GET", lambda a, b: f"/{b.slug}/projects/{a.reference}/photos/{a.photo_id}", 404),
]


@pytest.mark.parametrize(
    ("role", "method", "path", "expected"), MIXED, ids=[f"{m[0]}-{i}" for i, m in enumerate(MIXED)]
)
def test_grant_opens_only_its_own_objects(world, role, method, path, expected):
    world.ensure_fresh()
    url = path(world.a, world.b)
    response = _request(world, role, method, url, expected)
    assert response.status_code == expected, f"{method} {url} as {role}: {response.status_code}"
