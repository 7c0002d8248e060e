"""Translated texts for the domain's reason codes, so errors read well in every language."""

from __future__ import annotations

from datetime import date

from flask_babel import gettext
from flask_babel import lazy_gettext as _l

from ..domain.errors import DomainError
from . import i18n

REASONS = {
    # money input
    "money.empty": _l("Please enter an amount."),
    "money.invalid": _l("Please enter an amount such as %(example)s."),
    "money.negative": _l("The amount cannot be negative."),
    "money.not_finite": _l("Please enter a real amount of money."),
    "money.too_many_decimals": _l("Use at most two decimal places (cents)."),
    "money.too_large": _l("This amount is far too large (at most %(maximum_cents)s)."),
    "money.line_too_large": _l(
        "Quantity times unit price is far too large (at most %(maximum_cents)s)."
    ),
    "money.total_too_large": _l(
        "With this amount the total is far too large (at most %(maximum_cents)s)."
    ),
    "money.allocated_too_large": _l(
        "This would take the fund year's money above %(maximum_cents)s."
    ),
    # voting rule
    "rule.quorum_range": _l("The quorum must be a share between 0 and 1, e.g. 1/2 or 2/3."),
    "rule.quorum_minimum": _l("At least one member must take part."),
    "rule.tie_breaker_majority": _l("A tie breaker only applies to a simple majority."),
    "rule.tie_breaker_not_member": _l("The tie breaker must be a member of this body."),
    # set-up
    "area.slug_reserved": _l("This address is used by juryfund itself; please choose another."),
    "area.slug_taken": _l("Another area already uses this address."),
    "area.code_taken": _l("Another area already uses this code."),
    "area.code_used": _l(
        "Applications of another area carry this code in their references (from before that area"
        " changed its code): please choose another."
    ),
    "area.timezone_unknown": _l("Unknown time zone; use a name such as Europe/Berlin."),
    "area.german_required": _l("German must be offered: it is the legally binding version."),
    "widgets.origin_invalid": _l(
        "“%(origin)s” is not a website address such as https://qm-kiez.de (no path, no slash at the end)."
    ),
    "widgets.too_many_origins": _l("List at most %(most)s websites."),
    "area_text.language_not_offered": _l("This area does not offer this language."),
    "area_text.fund_other_area": _l("Choose a fund of this area."),
    "area_text.unknown_field": _l("There is no such text to write."),
    "area_text.too_long": _l("This text is too long (at most %(maximum)s characters)."),
    "fund.body_other_area": _l("Choose a body of this area."),
    "fund.cap_not_positive": _l("The cap must be more than zero."),
    "fund.minimum_above_cap": _l("The minimum cannot be above the cap."),
    "fund.categories_required": _l("Tick at least one eligible cost category."),
    "fund_year.exists": _l("This fund already has a fund year for that year."),
    "fund_year.before_closed": _l(
        "The fund year %(closed)s is already closed: an earlier year cannot be opened any more."
    ),
    "fund_year.allocation_not_positive": _l("The allocation must be more than zero."),
    "body.tie_breaker_not_member": _l("The tie breaker must be a member of this body."),
    "member.term_order": _l("The term cannot end before it starts."),
    "member.email_taken": _l("This body already has a member with this email address."),
    "member.successor_rank": _l(
        "Please give the successor's place in the order (1 steps in first)."
    ),
    "member.birth_date_future": _l("The date of birth cannot be in the future."),
    "member.not_a_successor": _l("Only a successor can step in as a full member."),
    "body.min_residents_above_members": _l(
        "The minimum number of residents cannot be larger than the minimum size of the body."
    ),
    "staff.email_taken": _l("An account with this email address already exists."),
    "staff.self_lockout": _l("You cannot demote or deactivate your own account."),
    "password.too_short": _l("The password must have at least %(length)s characters."),
    "upload.kind": _l("Choose what kind of file this is."),
    "application.no_email": _l("This application has no email address to send a link to."),
    # accessibility statement and feedback
    "accessibility.conformity": _l("Choose how far the site conforms."),
    "accessibility.checked_on_required": _l("Please give the date of the last check."),
    "accessibility.checked_in_future": _l("The last check cannot be in the future."),
    "accessibility.contact_required": _l("Please give the address that receives feedback."),
    "accessibility.enforcement_required": _l("Please name the enforcement body and its contact."),
    "accessibility.message_required": _l("Please describe the barrier."),
    "accessibility.message_too_long": _l("Please keep the message under %(maximum)s characters."),
    # residents' rights
    "privacy.consent_not_given": _l("This consent is not given (any more)."),
    "privacy.consent_already_given": _l("This consent is already given."),
    "privacy.consent_not_possible": _l("This consent cannot be given here."),
    # places on the map
    "place.empty": _l("Please enter the coordinate in degrees, such as 52.520008."),
    "place.invalid": _l("Please enter a number of degrees, such as 52.520008."),
    "place.too_many_decimals": _l("Use at most %(decimals)s decimal places."),
    "place.out_of_range": _l("Enter a value between −%(limit)s and %(limit)s degrees."),
    "place.kind_required": _l("Please choose what kind of place it is."),
    "place.erased": _l("The personal data of this application was erased."),
    "place.no_pin": _l("This application has no place on the map."),
    "privacy.reason_required": _l("Please say when and how the applicant asked."),
    "privacy.title_required": _l("Please give an anonymised title."),
    "privacy.unknown_text": _l("Choose texts from the list."),
    "privacy.already_erased": _l("The personal data of this application is already erased."),
    "privacy.money_owed": _l(
        "Money of this application is still to be settled (a payment request open, or paid money"
        " of a cancelled project not yet refunded): its data are needed until then."
    ),
    "privacy.not_final": _l(
        "Personal data can be erased once the application is finished; until then it is needed."
    ),
    # bookings
    "booking.year_closed": _l("The fund year %(year)s is closed; it takes no more bookings."),
    "booking.reason_required": _l("Please give a reason for the adjustment."),
    "booking.amount_not_positive": _l("The amount must be more than zero."),
    "booking.amount_zero": _l("An adjustment cannot be zero."),
    "booking.application_required": _l("This booking needs an application."),
    "booking.application_not_allowed": _l("This booking cannot belong to an application."),
    "booking.exceeds_available": _l("Only %(available)s is still available in this fund year."),
    "booking.allocated_below_zero": _l(
        "A cut cannot take the year's own money (allocation, adjustments and money carried in) "
        "below zero: at most %(at_most)s can be cut."
    ),
    "booking.already_sent": _l(
        "This form was sent twice: it is booked once. Please check the bookings below."
    ),
    "booking.paid_exceeds_committed": _l(
        "Only %(open)s of the commitment is still open for payment."
    ),
    "booking.release_exceeds_commitment": _l("More would be released than was committed."),
    "booking.release_exceeds_open": _l(
        "Only %(open)s can be released; the rest is already paid out."
    ),
    "booking.refund_exceeds_paid": _l("Only %(paid)s was paid out, so no more can be refunded."),
    # routing and application rules
    "routing.no_fund": _l("This area has no fund that takes applications right now."),
    "routing.above_every_cap": _l(
        "This is more than any fund of this area gives (at most %(cap)s)."
    ),
    "routing.gap": _l(
        "Up to %(cap)s the action fund decides, from %(minimum)s the neighbourhood fund. Please ask for at most %(cap)s or at least %(minimum)s."
    ),
    "application.no_cost_lines": _l("Please add at least one line to the cost plan."),
    "application.too_many_cost_lines": _l("The cost plan can have at most %(maximum)s lines."),
    "application.quantity_range": _l("Enter a number from %(min)s to %(max)s."),
    "application.category_not_eligible": _l("This fund does not pay for this kind of cost."),
    "application.requested_empty": _l("Please ask for more than 0 €."),
    "application.requested_above_total": _l(
        "You can ask for at most the total of your cost plan (%(total)s)."
    ),
    "application.over_cap": _l("This fund gives at most %(cap)s per application."),
    "application.under_minimum": _l("This fund gives at least %(minimum)s per application."),
    "application.already_started": _l(
        "The action must not have started yet: this date is in the past."
    ),
    "application.too_late": _l(
        "Applications must arrive at least %(days)s days before the action starts."
    ),
    "application.dates_order": _l("The end cannot be before the start."),
    "application.too_far_ahead": _l("Please enter a date within the next %(years)s years."),
    "application.before_session": _l(
        "An application sent now is decided at the jury session on %(meets_on)s (apply by "
        "%(apply_by)s). Your action can start on that day at the earliest."
    ),
    "application.after_last_session": _l(
        "The deadlines of the announced jury sessions have passed: an application sent now is"
        " decided at a later session, after the one on %(meets_on)s. Your action can start after"
        " %(meets_on)s at the earliest."
    ),
    # jury sessions
    "session.in_past": _l("The session cannot be in the past."),
    "session.date_taken": _l("This fund already has a session on this day."),
    "session.apply_by_after_meeting": _l(
        "The deadline for applications cannot be after the session."
    ),
    "session.already_met": _l("This session has already taken place; it stays on record."),
    "application.unknown_goal": _l("Please choose from the listed goals."),
    "application.not_editable": _l("This application can no longer be changed."),
    "application.already_sent": _l(
        "This form was sent already: your application has the reference %(reference)s."
    ),
    "review.changed_meanwhile": _l(
        "The applicant changed the application while you were reviewing it. Please look at "
        "what changed (shown below), then decide again."
    ),
    "application.not_withdrawable": _l("This application can no longer be withdrawn."),
    "review.note_required": _l("Please write what the applicant should change."),
    "review.reason_required": _l("Please give the reason."),
    # rounds, ballots, decisions
    "round.not_draft": _l("This round is already open; it can no longer be changed."),
    "round.deadline_past": _l("The deadline must be in the future."),
    "round.not_ready": _l("Only applications that are ready for this body can be on the agenda."),
    "round.empty_agenda": _l("Put at least one application on the agenda first."),
    "round.no_members": _l("This body has no members serving on the round's date."),
    "round.not_open": _l("This round is not open."),
    "round.deadline_passed": _l(
        "The round's deadline has passed: who takes part can no longer change; the round is"
        " decided as it stood at its deadline."
    ),
    "round.early_close_reason": _l(
        "Please give the reason for closing the round before its deadline."
    ),
    "round.already_member": _l("This member already takes part in the round."),
    "round.meeting_begun": _l(
        "The meeting has begun: who sits on the body for it is fixed, and no member can be"
        " added to the round any more."
    ),
    "round.meeting_not_begun": _l(
        "The meeting has not begun yet: its votes are taken at the meeting, so the round can"
        " only be closed once the meeting has begun."
    ),
    "round.composition_reason": _l(
        "The body does not meet its own composition rule. Please give the reason for opening "
        "the round anyway and confirm it."
    ),
    "repeat.body_does_not_allow": _l(
        "The body's rules do not allow a repeat meeting that is quorate regardless of attendance."
    ),
    "repeat.not_a_meeting_of_the_body": _l(
        "Only a meeting of the same body can be repeated under § 90 (2) VwVfG."
    ),
    "repeat.earlier_was_quorate": _l(
        "Only a closed meeting that could not decide an application for lack of quorum can be "
        "repeated."
    ),
    "repeat.not_announced": _l(
        "The invitation must say that the repeat meeting is quorate regardless of attendance."
    ),
    "repeat.waiver_meeting_only": _l(
        "This repeat meeting is announced as quorate regardless of attendance (§ 90 (2) VwVfG),"
        " which holds only for a meeting: it cannot become a written round. To decide in"
        " writing, set up a new round."
    ),
    "round.other_body": _l(
        "The application %(reference)s (%(title)s) is for a fund that another body decides:"
        " this body cannot decide it. Please take it off the agenda."
    ),
    "round.objected_to_writing": _l(
        "A member objected to deciding the application %(reference)s (%(title)s) in writing"
        " (§ 90 (1) VwVfG): it can only be decided in a meeting."
    ),
    "meeting.not_held": _l("Only a meeting that has been opened has a course to record."),
    "meeting.began_required": _l("Please enter when the meeting began."),
    "meeting.end_before_begin": _l("The end cannot be before the beginning."),
    "meeting.other_day": _l("This is not the day of the meeting."),
    "meeting.one_chair": _l("Please choose one chair."),
    "meeting.chair_required": _l("Please choose who chaired the meeting."),
    "meeting.minute_taker_required": _l("Please enter who took the minutes."),
    "meeting.chair_changes_result": _l(
        "With this chair, the closed round would count otherwise than it did: the chair's vote "
        "decides a tie. Please check who chaired the meeting."
    ),
    "meeting.chair_absent": _l(
        "This member is not recorded as present at the meeting, so cannot have chaired it."
    ),
    "meeting.chair_not_on_body": _l(
        "This member was no longer on the body when the meeting began and cannot have chaired it."
    ),
    "meeting.began_after_close": _l(
        "The meeting cannot have begun after its round was closed and its votes counted."
    ),
    "meeting.began_changes_members": _l(
        "With this begin, other members would have been on the body than the closed round"
        " counted. Please check the time."
    ),
    "meeting.record_changed": _l(
        "Someone saved this meeting record meanwhile and changed entries you changed as well."
        " Nothing was saved: please check the record as it is now and enter your changes again."
    ),
    "presentation.not_a_meeting": _l(
        "Time slots for presentations can only be set for a meeting that has not ended."
    ),
    "presentation.below_threshold": _l(
        "This application does not ask for more than the fund's threshold for presentations."
    ),
    "deputy.item_required": _l("Please choose the application, or all of them."),
    "deputy.not_a_deputy": _l("Please choose a deputy of this round."),
    "deputy.not_a_full_member": _l("Please choose a full member of this round."),
    "deputy.other_group": _l(
        "A deputy replaces only a member of the same group (residents or institutions)."
    ),
    "deputy.no_access": _l("This deputy no longer takes part in the round."),
    "deputy.seat_taken": _l("Another deputy already takes this member's seat on this application."),
    "deputy.already_replacing": _l(
        "This deputy already takes another member's seat on this application."
    ),
    "round.not_a_member": _l("Only a member serving on the body today can be added."),
    "ballot.wrong_round": _l("This application is not on this round's agenda."),
    "ballot.withdrawn": _l("The applicant withdrew this application: it is no longer decided."),
    "ballot.round_closed": _l("Voting in this round has ended."),
    "ballot.no_access": _l("Your access to this round has ended."),
    "ballot.term_over": _l(
        "Your term on this body has ended (or not yet begun): you cannot vote in this round."
    ),
    "ballot.link_replaced": _l(
        "This ballot link was replaced by a newer one. Please use the link in the newest mail."
    ),
    "ballot.choice_required": _l("Please choose yes, no or abstain."),
    "ballot.meeting_mode": _l("In a meeting, the QM team records the votes."),
    "ballot.meeting_conflict": _l(
        "The QM team now records this meeting's votes and conflicts of interest: please tell"
        " them about your conflict of interest."
    ),
    "ballot.not_present": _l("Only members present at the meeting can vote."),
    "ballot.conflicted": _l(
        "You declared a conflict of interest on this application, so you do not vote on it."
    ),
    "ballot.reason_required": _l("Please give the reason for your conflict of interest."),
    "ballot.deputy_no_seat": _l(
        "As a deputy you vote only where the QM team named you for a member's seat."
    ),
    "ballot.deputy_no_seat_to_object": _l(
        "As a deputy you may object only once the QM team has named you for a member's seat in"
        " this round."
    ),
    "ballot.member_holds_seat": _l(
        "%(deputy)s cannot vote for %(member)s on “%(title)s”: %(member)s is present and"
        " holds their own seat. Please remove the deputy's vote, or record %(member)s as absent"
        " or as having a conflict of interest on it."
    ),
    "meeting.deputy_voted_in_seat": _l(
        "%(member)s cannot be marked present while the vote of %(deputy)s stands in their seat:"
        " present, %(member)s holds their own seat. Please remove the deputy's vote first."
    ),
    "ballot.excluded": _l(
        "You have a conflict of interest on this application, so you do not vote on it."
    ),
    "conflict.staff_only": _l("Only the QM team records the body's decision on a conflict."),
    "conflict.round_not_open": _l("Conflicts can only be decided while the round is open."),
    "conflict.reason_required": _l("Please give the reason for the body's decision."),
    "conflict.already_ruled": _l(
        "The body has already decided on this member's conflict on this application."
    ),
    "conflict.nothing_to_lift": _l(
        "No conflict of this member on this application has been found or declared."
    ),
    "decision.not_pending": _l("This item has no approval waiting for confirmation."),
    "decision.rejection_not_pending": _l("This item has no rejection waiting for confirmation."),
    "decision.no_fund_year": _l("This fund has no open fund year %(year)s."),
    "decision.year_closed": _l(
        "The fund year %(year)s is closed: its approvals can only be lowered. Approve more "
        "money as a new application in the current year."
    ),
    "decision.not_correctable": _l(
        "Only the current decision of an approved application can be corrected."
    ),
    "decision.reason_required": _l("Please give the reason for the correction."),
    "proof.changed_meanwhile": _l(
        "The proof of use changed while you were reading it (sent again, or a receipt decided by "
        "a colleague). Please check it again as it is shown now."
    ),
    "decision.below_approved_request": _l(
        "A payment request of %(requested)s is approved and waiting for the bank: mark it paid "
        "or refuse it first, or approve at least %(at_least)s."
    ),
    "decision.reasons_rejected": _l("Please give the reasons for the rejection."),
    "decision.reasons_partial": _l(
        "Less than requested is approved: please give the reasons for the lower amount."
    ),
    "decision.amount_not_positive": _l("The approved amount must be more than zero."),
    "decision.above_requested": _l("At most the amount requested (%(requested)s)."),
    "decision.above_cap": _l("At most the fund's cap per application (%(cap)s)."),
    # books and proof of use
    "booking.no_commitment": _l("This application has no commitment in the books."),
    "books.not_approved": _l("Only approved projects can be paid out or cancelled."),
    "books.payment_type": _l("Please choose the kind of payment."),
    "books.payment_request_open": _l(
        "This project has an open payment request: pay it through the request, or refuse the"
        " request first."
    ),
    "books.approved_request_waiting": _l(
        "A payment request of %(requested)s is approved and may already be with the bank: mark"
        " it paid or refuse it first."
    ),
    "books.reason_required": _l("Please give the reason."),
    "books.year_closed_already": _l("This fund year is already closed."),
    "books.year_not_over": _l("The year %(year)s is not over yet."),
    "books.period_not_over": _l(
        "The funding period of %(year)s runs until %(period_end)s: the year can be closed after"
        " that day."
    ),
    "books.earlier_year_open": _l(
        "Please close %(earlier)s first: a fund's years are closed in order, and %(earlier)s is"
        " still open (its unspent money goes into the year after it)."
    ),
    # payment requests and bank details
    "iban.empty": _l("Please enter the IBAN."),
    "iban.invalid": _l("This is not an IBAN: it starts with a country code, e.g. DE89 3704 …"),
    "iban.country": _l("IBANs from the country code %(country)s are not accepted."),
    "iban.length": _l("An IBAN from %(country)s has exactly %(length)s characters."),
    "iban.checksum": _l("This IBAN has a typing error (its check digits do not match)."),
    "bic.invalid": _l("A BIC has 8 or 11 letters and digits, e.g. COBADEFFXXX."),
    "payment.four_eyes": _l(
        "You entered this payment request for the applicant: a colleague approves it (four-eyes"
        " principle)."
    ),
    "payment.kind": _l("Please choose advance or reimbursement."),
    "payment.advance_after_action": _l(
        "The action has ended: please ask for a reimbursement against your receipts."
    ),
    "payment.amount_not_positive": _l("The amount must be more than zero."),
    "payment.holder_required": _l("Please enter the account holder."),
    "payment.holder_too_long": _l("The account holder's name is too long."),
    "payment.not_approved": _l("Payments can only be requested for an approved project."),
    "payment.open_exists": _l(
        "A payment request is already waiting; please wait until it is paid or refused."
    ),
    "payment.exceeds_open": _l("Only %(open)s of the approved amount is still open for payment."),
    "payment.reason_required": _l("Please give the reason."),
    "payment.already_requested": _l("This payment request has not been approved yet."),
    "payment.already_approved": _l("This payment request is already approved."),
    "payment.already_paid": _l("This payment request is already paid."),
    "payment.already_refused": _l("This payment request was refused."),
    "proof.not_editable": _l("The proof of use is sent and can no longer be changed."),
    "proof.report_required": _l("Please write a short report."),
    "proof.behalf_note_required": _l(
        "Please note how the applicant handed in the proof (e.g. at the office, by post)."
    ),
    "proof.receipts_required": _l("Please list at least one receipt."),
    "proof.amount_not_positive": _l("The amount must be more than zero."),
    "proof.receipt_in_future": _l("A receipt cannot be dated after today."),
    "proof.not_submitted": _l("The proof of use has not been sent yet."),
    "proof.refund_first": _l(
        "More was paid out than proven: first claim and book the refund of %(open)s."
    ),
    "proof.nothing_to_refund": _l("Nothing was paid out beyond the proven amount."),
    # project stories (services.stories) and their photos (infra.images)
    "story.not_open": _l("A story can be added only to a funded project."),
    "story.not_publishable": _l(
        "This project is no longer funded, or its data have been erased: its story cannot be"
        " approved or sent back."
    ),
    "story.text_required": _l("Please write a few sentences about your project."),
    "story.text_too_long": _l("Please keep the story shorter (at most %(maximum)s characters)."),
    "story.consent_required": _l(
        "Please agree to the publication; without it the story cannot be shown."
    ),
    "story.behalf_note_required": _l(
        "Please note how the applicant gave you the story and their consent (e.g. signed at the office)."
    ),
    "story.too_many_photos": _l("A story can have at most %(maximum)s photos."),
    "story.alt_required": _l("Please describe the photo for people who cannot see it."),
    "story.alt_too_long": _l(
        "Please keep the description shorter (at most %(maximum)s characters)."
    ),
    "story.photo_missing": _l("Please choose the photo this description belongs to."),
    "story.no_such_photo": _l("This photo is no longer part of the story."),
    "story.not_waiting": _l("This story is not waiting for approval."),
    "story.changed": _l(
        "The story was changed since you opened it. Please read the version below and decide again."
    ),
    "story.note_required": _l("Please write what should be changed."),
    "photo.empty": _l("The photo file is empty."),
    "photo.too_large": _l("The photo is larger than %(maximum_mb)s MB."),
    "photo.not_an_image": _l("This file is not a photo we can read. Please use JPEG, PNG or WebP."),
    "photo.too_many_pixels": _l("This picture has too many pixels. Please use a smaller photo."),
    # uploads
    "file.too_many": _l("You can add at most %(maximum)s files."),
    "file.empty": _l("The file “%(name)s” is empty."),
    "file.too_large": _l("The file “%(name)s” is larger than %(maximum_mb)s MB."),
    "file.wrong_type": _l("The file “%(name)s” is not a PDF, JPEG or PNG file."),
    # fund rules (domain.fundrules)
    "rules.own_share_short": _l(
        "This fund asks for an own contribution of at least %(share)s %% of the costs "
        "(%(needed)s, in money or volunteer hours); yours comes to %(have)s."
    ),
    "rules.over_funding": _l(
        "Together with your own money and the other funding (%(covered)s), the amount "
        "requested is %(excess)s more than the total costs (%(total)s). Please ask for at most "
        "%(at_most)s."
    ),
    "rules.costs_covered": _l(
        "Your own money and the other funding (%(covered)s) already cover the total costs "
        "(%(total)s). The fund can only pay for costs that nothing else covers."
    ),
    "rules.above_cap_now": _l(
        "The amount requested (%(requested)s) is above the fund's cap per application, which "
        "is now %(cap)s: the body can approve at most %(cap)s."
    ),
    "rules.below_minimum_now": _l(
        "The amount requested (%(requested)s) is below the fund's minimum per application, "
        "which is now %(minimum)s."
    ),
    "rules.outside_period": _l(
        "The action must take place within the fund's funding period, %(period_start)s to %(period_end)s."
    ),
    "rules.booked_in_other_year": _l(
        "The money is booked in the fund year %(year)s, whose funding period (%(period_start)s to "
        "%(period_end)s) does not hold the whole action."
    ),
    "rules.fee_forbidden": _l("This fund pays no fees."),
    "rules.fee_over_cap": _l("This fund pays at most %(cap)s in fees; your fees come to %(fees)s."),
    "fund.share_range": _l("Enter a share from 0 to 100."),
    "fund.fee_rule_unknown": _l("Please choose how the fund treats fees."),
    "fund.fee_cap_required": _l("Fees up to a cap need a cap: an amount, a share, or both."),
    "fund_year.period_order": _l("The funding period cannot end before it starts."),
    "receipt.choice_unknown": _l("Please choose whether the receipt counts."),
    "receipt.reason_required": _l("Please give the reason for refusing the receipt."),
    "receipt.not_flagged": _l("This receipt needs no decision."),
    "proof.receipts_undecided": _l(
        "Please decide on every flagged receipt before accepting the proof."
    ),
    # states
    "state.invalid_transition": _l("This step is not possible in the application's current state."),
    "state.unknown": _l("Unknown state."),
}


#: Parameters of domain errors that hold a day (ISO text) and are shown as dates.
DATE_PARAMS = frozenset({"period_start", "period_end", "meets_on", "apply_by"})
#: Parameters of domain errors that hold cents and are shown as money.
MONEY_PARAMS = frozenset(
    {
        "available",
        "requested",
        "cap",
        "owed",
        "total",
        "minimum",
        "committed",
        "paid",
        "open",
        "commitment",
        "released",
        "maximum_cents",
        "needed",
        "have",
        "excess",
        "covered",
        "at_most",
        "at_least",
        "fees",
        "rate",
    }
)


def reason_text(error: DomainError) -> str:
    """The translated message for a domain error, with its parameters filled in."""
    template = REASONS.get(error.reason)
    if template is None:
        return gettext("This was refused (%(reason)s).", reason=error.reason)
    params = {
        key: i18n.money(value) if key in MONEY_PARAMS and isinstance(value, int) else value
        for key, value in error.params.items()
        if isinstance(value, (int, str))
    }
    for key in DATE_PARAMS & params.keys():
        params[key] = i18n.when(date.fromisoformat(str(params[key])))
    if error.reason == "money.invalid":
        params["example"] = i18n.money_input(123450)
    return str(template) % params if params else str(template)
