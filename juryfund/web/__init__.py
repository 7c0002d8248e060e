"""Blueprints: one package per audience, each with routes.py and forms.py."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    """Attach every blueprint to the app."""
    from .admin.routes import bp as admin_bp
    from .api.routes import bp as api_bp
    from .apply.routes import bp as apply_bp
    from .audit.routes import bp as audit_bp
    from .auth.routes import bp as auth_bp
    from .ballot.routes import bp as ballot_bp
    from .books import behalf as _behalf_routes  # noqa: F401  (adds its page to books_bp)
    from .books import exports as _books_exports  # noqa: F401  (adds the downloads to books_bp)
    from .books.routes import bp as books_bp
    from .public import accessibility as _accessibility_routes  # noqa: F401  (adds to public_bp)
    from .public import easy as _easy_routes  # noqa: F401  (adds the easy-to-read page to public_bp)
    from .public.routes import bp as public_bp
    from .review import places as _place_routes  # noqa: F401  (adds its pages to review_bp)
    from .review import privacy as _privacy_routes  # noqa: F401  (adds its pages to review_bp)
    from .review import story as _story_review_routes  # noqa: F401  (adds to review_bp)
    from .review.routes import bp as review_bp
    from .rounds.routes import bp as rounds_bp
    from .staff import notices as _notice_routes  # noqa: F401  (adds its page to staff_bp)
    from .staff import texts as _text_routes  # noqa: F401  (adds its page to staff_bp)
    from .staff.routes import bp as staff_bp
    from .status import proof as _proof_routes  # noqa: F401  (adds the proof pages to status_bp)
    from .status import story as _story_routes  # noqa: F401  (adds the story pages to status_bp)
    from .status.routes import bp as status_bp
    from .transparency.routes import bp as transparency_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(staff_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(rounds_bp)
    app.register_blueprint(books_bp)
    app.register_blueprint(ballot_bp)
    app.register_blueprint(status_bp)
    app.register_blueprint(apply_bp)
    app.register_blueprint(transparency_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(audit_bp)
    # Last: the public blueprint owns /<area>/ and must not shadow fixed paths.
    app.register_blueprint(public_bp)

    from .fields import error_list
    from .guard import install_guard
    from .i18n import in_german

    install_guard(app)  # NUL bytes, broken UTF-8 and absurd ids in addresses: 400 / 404
    app.jinja_env.globals["form_error_list"] = error_list
    app.jinja_env.globals["in_german"] = in_german
    from ..infra.links import external_url

    # Absolute links in pages (widgets framed elsewhere, printed reports) are always on the
    # configured public address: one built from the request's Host would let a forged Host
    # put an attacker's links into a page the shared cache then serves to everyone.
    app.jinja_env.globals["public_url"] = external_url
    from ..domain.meetings import share_in_words

    # The rule's quorum in words ("more than half"), as a body writes it in its rules.
    app.jinja_env.globals["share_in_words"] = share_in_words

    @app.context_processor
    def labels() -> dict:
        """Translated labels of the domain's codes, for every template."""
        from . import labels as lbl

        named = {
            "fund_kind_labels": lbl.FUND_KIND_LABELS,
            "body_kind_labels": lbl.BODY_KIND_LABELS,
            "role_labels": lbl.ROLE_LABELS,
            "seat_labels": lbl.SEAT_LABELS,
            "seat_short_labels": lbl.SEAT_SHORT_LABELS,
            "composition_problem_labels": lbl.COMPOSITION_PROBLEM_LABELS,
            "majority_labels": lbl.MAJORITY_LABELS,
            "category_labels": lbl.CATEGORY_LABELS,
            "receipt_flag_labels": lbl.RECEIPT_FLAG_LABELS,
            "fee_rule_labels": lbl.FEE_RULE_LABELS,
            "state_labels": lbl.STATE_LABELS,
            "applicant_kind_labels": lbl.APPLICANT_KIND_LABELS,
            "choice_labels": lbl.CHOICE_LABELS,
            "outcome_labels": lbl.OUTCOME_LABELS,
            "mode_labels": lbl.MODE_LABELS,
            "round_state_labels": lbl.ROUND_STATE_LABELS,
            "entry_kind_labels": lbl.ENTRY_KIND_LABELS,
            "proof_state_labels": lbl.PROOF_STATE_LABELS,
            "story_state_labels": lbl.STORY_STATE_LABELS,
            "payment_request_state_labels": lbl.PAYMENT_REQUEST_STATE_LABELS,
            "payment_request_kind_labels": lbl.PAYMENT_REQUEST_KIND_LABELS,
            "ground_labels": lbl.GROUND_LABELS,
            "raised_by_labels": lbl.RAISED_BY_LABELS,
            "share_labels": lbl.SHARE_LABELS,
        }
        return {name: lbl.TranslatedOnce(labels) for name, labels in named.items()}
