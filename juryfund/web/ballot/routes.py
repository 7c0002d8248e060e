"""The member's ballot: dossiers of the round's agenda, conflicts of interest, votes."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from ...domain.actors import Actor
from ...domain.composition import Seat
from ...domain.errors import DomainError
from ...domain.states import State
from ...extensions import db
from ...infra import clock, tokens
from ...models import AgendaItem, Application, Body, Member, Round, RoundMember
from ...services import ballots, conflicts, deputies, rounds
from ..bidi import isolate_html
from ..downloads import load_with_data, send_attachment
from ..guard import text_value
from ..i18n import current_language, remember_language
from ..pagecache import has_fragments, read_committed, version_column, version_read_with
from ..rounds.money import money_left
from ..security import limit
from ..status.routes import remember_grant
from ..unit_of_work import attempt, attempt_inline
from . import kept

bp = Blueprint("ballot", __name__, url_prefix="/ballot")

SESSION_KEY = "ballots"
#: The header static/ballot.js sends with a vote: answer with the changed item, not a redirect.
FRAGMENT_HEADER = "X-Ballot-Fragment"
#: The ballot's texts that are the same for every item, translated once per language and
#: process (not twenty times per page).
_TEXTS: dict[str, dict[str, str]] = {}


#: Legends of the vote forms by (language, title, the application's language): a pure function
#: of these, kept so twenty items do not each format and isolate their title on every page.
_LEGENDS: dict[tuple[str, str, str], Markup] = {}
_LEGENDS_KEPT = 5000


def vote_legend(application: Application) -> Markup:
    """ "Your vote on “title”" with the typed title isolated, as the vote form's legend."""
    key = (current_language(), application.title, application.language)
    legend = _LEGENDS.get(key)
    if legend is None:
        if len(_LEGENDS) >= _LEGENDS_KEPT:
            _LEGENDS.clear()
        # As a template's _() does: the translation is markup, the title isolated and escaped.
        legend = _LEGENDS[key] = Markup(_("Your vote on “%(title)s”")) % {
            "title": isolate_html(application.title, application.language)
        }
    return legend


def item_texts() -> dict[str, str]:
    """The same-for-every-item texts of the ballot in the request's language."""
    language = current_language()
    texts = _TEXTS.get(language)
    if texts is None:
        texts = _TEXTS[language] = {
            "conflict": _("You declared a conflict of interest:"),
            "vote": _("Your vote:"),
            "not_yet": _("You have not voted on this yet."),
            "save": _("Save vote"),
            "only_body": _(
                "Only the body can lift a declared conflict (§ 20 (4) VwVfG). If you declared it by mistake, please tell the QM team."
            ),
            "found": _("juryfund found a likely conflict of interest:"),
            "found_hint": _(
                "You do not vote on this application unless the body decides otherwise. If this is a mistake, please tell the QM team."
            ),
            "ruled_out": _(
                "The body decided that you have a conflict of interest on this application and do not vote on it."
            ),
            "ruled_in": _("The body decided that you may vote on this application."),
            "have_conflict": _("I have a conflict of interest on this application"),
            "conflict_hint": _(
                "For example: you are the applicant, a relative, or an employee or board member of the applying organisation (§ 20 VwVfG). You then do not vote on it and do not count for its quorum."
            ),
            "reason": _("Reason"),
            "required": _("required"),
            "declare": _("Declare conflict of interest"),
        }
    return texts


@bp.get("/link/<token>")
def land(token: str):
    """Check the personal link, keep the grant in the session, and drop the token from the URL."""
    try:
        participant = rounds.participant_for_token(token)
    except rounds.LinkReplaced:
        return _replaced()
    except tokens.BadLink:
        return render_template("ballot/bad_link.html"), 400
    # The link's generation goes with the grant: a link staff replace ends this session too.
    remember_grant(SESSION_KEY, participant.round_id, [participant.id, participant.link_version])
    response = redirect(url_for("ballot.page", round_id=participant.round_id))
    return remember_language(response, participant.member.language)


def _replaced():
    """The page for a ballot link (or a session opened with one) that staff replaced since."""
    return render_template("ballot/replaced_link.html"), 410


def _session_grant(round_id: int) -> tuple[int | None, int]:
    """The participant id and link generation this session holds for the round."""
    grant = session.get(SESSION_KEY, {}).get(str(round_id))
    if isinstance(grant, list) and len(grant) == 2 and all(type(v) is int for v in grant):
        return grant[0], grant[1]
    # A session from before link generations held the id alone: the first generation's.
    return (grant, 1) if type(grant) is int else (None, 1)


def link_version(round_id: int) -> int:
    """The generation of the ballot link this session came with (checked again when it writes)."""
    return _session_grant(round_id)[1]


def granted_participant(round_id: int) -> RoundMember:
    """The member this session may act as in the round; 403 when revoked or never granted,
    the "link replaced" page when staff sent the member a newer link since."""
    participant_id, version = _session_grant(round_id)
    participant = None
    if isinstance(participant_id, int):
        # One query for what every ballot request checks: member, round, body and area; and,
        # as the request's first read, the data version its cached fragments go by (read
        # before the data they show, so none is kept under a version newer than its data).
        found = db.session.execute(
            select(RoundMember, version_column(), rounds.withdrawn_items_column())
            .where(RoundMember.id == participant_id)
            .options(
                joinedload(RoundMember.member),
                joinedload(RoundMember.round).joinedload(Round.body).joinedload(Body.area),
            )
        ).first()
        if found is not None:
            participant, data_version, withdrawn = found
            version_read_with(data_version)
            # What the ballot offers leaves these out (_withdrawn).
            g.ballot_withdrawn = rounds.parse_item_ids(withdrawn)
    if participant is None or participant.round_id != round_id:
        abort(403)
    try:
        rounds.check_access(participant)
    except tokens.BadLink:
        abort(403)
    if version != participant.link_version:
        abort(make_response(_replaced()))
    g.area = participant.round.body.area
    return participant


def _withdrawn() -> set[int]:
    """The items of the granted round whose applications were withdrawn, as read with the
    grant (granted_participant)."""
    return g.ballot_withdrawn


def _item(participant: RoundMember, item_id: int) -> AgendaItem:
    """An item of the participant's round (404 otherwise), with its application."""
    item = db.session.get(AgendaItem, item_id, options=[joinedload(AgendaItem.application)])
    if item is None or item.round_id != participant.round_id:
        abort(404)
    return item


def _refuse_withdrawn(item: AgendaItem) -> None:
    """Refuse a vote or conflict on an application its applicant withdrew: the ballot no longer
    offers one (a page opened before the withdrawal may still send it)."""
    if item.application.state == State.WITHDRAWN:
        raise DomainError("ballot.withdrawn")


@bp.get("/<int:round_id>")
def page(round_id: int):
    """Every agenda item with its dossier, the member's own vote or conflict, and the money left."""
    key = kept.page_key(round_id, *_session_grant(round_id))
    if key is not None and (html := kept.kept_page(key)) is not None:
        return html
    participant = granted_participant(round_id)
    round_ = rounds.with_agenda(round_id, members=False, applications=False)
    money_year = clock.area_today(round_.body.area).year
    state = _ballot_state(
        participant,
        round_,
        round_.agenda,
        withdrawn=_withdrawn(),
        shared=(("ballot-money", round_.id, money_year),),
    )
    html = render_template(
        "ballot/page.html",
        **state,
        # Read only when the fragment showing it is not cached (pagecache.fragment_cache); the
        # year is in its key, as the money left is that of the fund year an approval goes to.
        # A year without a budget yet is left out, as before the year existed.
        available_money=lambda: money_left(round_, budgeted_only=True),
        money_year=money_year,
    )
    if key is not None:
        kept.keep(key, html, participant, state["votes"], state["declared"])
    return html


#: Stands in the cached member part of an item (member_key) for the request's CSRF token,
#: which _item.html puts in its place: the token is the one thing in it that is per session.
CSRF_SLOT = "\x00csrf\x00"


def member_key(
    item: AgendaItem,
    *,
    mine: str | None,
    standing: conflicts.Standing | None,
    excluded: bool,
    seats: dict[int, str] | None,
    can_act: bool,
    mode: str,
    can_declare: bool,
) -> tuple:
    """The fragment key of what an item shows of one member's position (_item.html).

    Everything that part shows is in it, so members in the same position share one rendering
    (language, time zone and data version are added by the cache). A declared reason is in it
    as text: it is shown back to the member who wrote it.
    """
    declaration = standing.declaration if standing else None
    ruling = standing.ruling if standing else None
    return (
        "ballot-member",
        item.round_id,
        item.id,
        item.application_id,
        mine,
        declaration.reason if declaration is not None else None,
        ruling.excluded if ruling is not None else None,
        tuple(standing.grounds) if standing else (),
        excluded,
        None if seats is None else seats.get(item.id, False),
        can_act,
        mode,
        can_declare,
    )


def _ballot_state(
    participant: RoundMember,
    round_: Round,
    shown: list[AgendaItem],
    *,
    withdrawn: set[int],
    shared: tuple[tuple, ...] = (),
    ballot: conflicts.MemberBallot | None = None,
) -> dict:
    """What the page and an item answer show of the member's ballot: positions and progress.

    `withdrawn`: the round's items whose applications were withdrawn (nothing to do on them);
    `shared`: keys of the page's other cached fragments that read the agenda's applications;
    `ballot`: the member's rows when the caller has read them already.
    """
    ballot = ballot or conflicts.member_ballot(participant)
    votes, declared, standings = ballot.votes, ballot.declared, ballot.standings
    excluded = {item_id for item_id, standing in standings.items() if standing.excluded}
    # A deputy acts only on the items where staff named them for a member's seat.
    seats = deputies.seats_of(participant) if participant.seat == Seat.DEPUTY else None
    # The forms are offered exactly when the services would take what they send.
    now = clock.now()
    can_act = ballots.refusal_now(participant, now=now) is None
    # In a meeting, a conflict only until the meeting begins; staff record it with the meeting.
    can_declare = can_act and ballots.declaration_refusal(participant, now=now) is None
    member_keys = {
        item.id: member_key(
            item,
            mine=votes.get(item.id),
            standing=standings.get(item.id),
            excluded=item.id in excluded,
            seats=seats,
            can_act=can_act,
            mode=round_.mode,
            can_declare=can_declare,
        )
        for item in shown
    }
    # The dossiers and the member parts are rendered once for all members in the same place
    # (pagecache.fragment_cache); the applications are loaded only when one of them is missing.
    dossier_keys = [("ballot-item", round_.id, item.id, item.application_id) for item in shown]
    if not has_fragments([*dossier_keys, *shared]):
        # The page shows (and its shared fragments read) the whole agenda; an answer one item.
        rounds.load_dossiers(shown)
    elif not has_fragments(list(member_keys.values())):
        # A member part needs no dossier, only its application's title (one read for all).
        rounds.load_applications(shown)
    return {
        "participant": participant,
        "round": round_,
        "votes": votes,
        "declared": declared,
        "standings": standings,
        "excluded": excluded,
        "member_keys": member_keys,
        "csrf_slot": CSRF_SLOT,
        "done": len(
            (
                (votes.keys() | excluded) & seats.keys()
                if seats is not None
                else votes.keys() | excluded
            )
            - withdrawn
        ),
        "total": len((seats.keys() if seats is not None else set(ballot.item_ids)) - withdrawn),
        "seats": seats,
        "t": item_texts(),
        "open": can_act,
        "csrf": generate_csrf(),
        "item_url": url_for("ballot.page", round_id=round_.id) + "/items",
        "file_endpoint": "ballot.download",
        "file_args": {"round_id": round_.id},
        "vote_legend": vote_legend,
        "can_act": can_act,
        "can_declare": can_declare,
    }


def _item_answer(participant: RoundMember, item_id: int, action, done: str):
    """The vote sent by the script: run it, then answer with the item as it is now.

    Status 200 with the done message, or 422 with the refusals shown next to the item; the
    script puts the item (and the progress) in place of the old ones and announces the message.
    """
    round_id = participant.round_id
    read: list[conflicts.MemberBallot] = []

    def act_and_read() -> None:
        action()
        # What the vote changed, the member's positions, read in its own transaction after
        # the write: the grant is as the vote found it under its locks, and no transaction
        # begins after the commit (on PostgreSQL a BEGIN and a ROLLBACK fewer).
        read.append(conflicts.member_ballot(participant))

    # The member, their round and the item stay as read through the vote's commit (the vote
    # changes none of them).
    refusals = attempt_inline(act_and_read, keep_loaded=True)
    if refusals or not _still_granted(participant):
        # A refusal's rollback expired what was loaded. A grant staff ended since the vote's
        # commit is answered as any later request (403, or the "link replaced" page).
        db.session.expire_all()
        participant = granted_participant(round_id)
        read = [conflicts.member_ballot(participant)]
    item = _item(participant, item_id)
    body = render_template(
        "ballot/item_answer.html",
        **_ballot_state(
            participant,
            participant.round,
            [item],
            withdrawn=_withdrawn(),
            ballot=read[0],
        ),
        item=item,
        item_errors=refusals,
        message=" ".join(refusals) if refusals else done,
    )
    return body, 422 if refusals else 200


#: The grant as it is now, read like the data version (pagecache.read_committed).
_GRANT_NOW = (
    select(RoundMember.revoked_at, RoundMember.link_version, Member.removed_at, Member.term_end)
    .join(Member, Member.id == RoundMember.member_id)
    .where(RoundMember.id == bindparam("participant_id"))
)


def _still_granted(participant: RoundMember) -> bool:
    """Whether the grant is still as the request read it at its start (one read, after the
    vote's commit: on PostgreSQL in autocommit, so no transaction begins for it)."""
    rows = read_committed(_GRANT_NOW, {"participant_id": participant.id})
    return bool(rows) and rows[0] == (
        participant.revoked_at,
        participant.link_version,
        participant.member.removed_at,
        participant.member.term_end,
    )


def _on_ballot(participant: RoundMember, action, done: str, item: AgendaItem | None = None):
    """Run the member's change as the request's unit of work; back to the ballot, at the item."""
    # Read before the commit, which expires every loaded object (reading after it reloads them).
    target = url_for(
        "ballot.page", round_id=participant.round_id, _anchor=f"item-{item.id}" if item else None
    )
    attempt(action, done=done)
    return redirect(target)


@bp.post("/<int:round_id>/items/<int:item_id>/vote")
@limit("JURYFUND_LIMIT_VOTE")
def vote(round_id: int, item_id: int):
    """Cast or change the member's vote on one item."""
    participant = granted_participant(round_id)
    item = _item(participant, item_id)
    choice = request.form.get("choice", "")

    def cast() -> None:
        _refuse_withdrawn(item)
        ballots.cast_vote(
            participant,
            item,
            choice,
            actor=Actor.member(participant.member_id),
            link_version=link_version(round_id),
        )

    done = _("Your vote on “%(title)s” is saved.", title=item.application.title)
    if request.headers.get(FRAGMENT_HEADER) == "item":
        return _item_answer(participant, item.id, cast, done)
    return _on_ballot(participant, cast, done, item)


@bp.post("/<int:round_id>/items/<int:item_id>/conflict")
def conflict(round_id: int, item_id: int):
    """Declare a conflict of interest on one item (with a reason)."""
    participant = granted_participant(round_id)
    item = _item(participant, item_id)
    reason = text_value(request.form.get("reason", ""))[:2000]

    def declare() -> None:
        _refuse_withdrawn(item)
        ballots.declare_conflict(
            participant,
            item,
            reason,
            actor=Actor.member(participant.member_id),
            link_version=link_version(round_id),
        )

    return _on_ballot(
        participant,
        declare,
        _("Your conflict of interest is recorded. You do not vote on this item."),
        item,
    )


@bp.post("/<int:round_id>/object")
def object_to_writing(round_id: int):
    """Object to deciding in writing: the whole round goes to a meeting."""
    participant = granted_participant(round_id)
    if request.form.get("confirm") != "y":
        flash(_("Please tick the box to confirm your objection."), "error")
        return redirect(url_for("ballot.page", round_id=round_id, _anchor="objection"))
    return _on_ballot(
        participant,
        lambda: rounds.object_to_writing(participant, link_version=link_version(round_id)),
        _("Your objection is recorded. The applications will be decided in a meeting."),
    )


@bp.get("/<int:round_id>/files/<int:attachment_id>")
def download(round_id: int, attachment_id: int):
    """A file of an application on this round's agenda."""
    participant = granted_participant(round_id)
    attachment = load_with_data(attachment_id)
    # Not those of an application its applicant withdrew: it is no longer before the body.
    on_agenda = rounds.applications_before_body(participant.round_id)
    # The application's own files only: the receipts and photos of a proof of use are for
    # staff, and a ballot link still opens two days after the vote.
    if (
        attachment is None
        or attachment.application_id not in on_agenda
        or attachment.proof_id is not None
    ):
        abort(404)
    return send_attachment(attachment)
