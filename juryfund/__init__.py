"""juryfund: neighbourhood funds decided by resident juries and councils."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from .config import build_config, instance_path_from_env


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config -> extensions -> blueprints -> cli -> errors."""
    app = Flask(
        __name__,
        instance_path=instance_path_from_env(),
        instance_relative_config=True,
        template_folder="../templates",
        static_folder="../static",
    )
    app.config.update(build_config(app.instance_path, config))

    from . import web
    from .cli import register_cli
    from .extensions import csrf, db, login_manager, migrate
    from .infra import audit, database, session_hooks
    from .web import bidi, errors, i18n, notes, pagecache, retry, security
    from .web.ballot import kept

    database.install_connect_hooks()
    session_hooks.install(
        {
            "after_flush": [pagecache.note_public_changes],
            "do_orm_execute": [pagecache.note_bulk_changes],
            # The audit trail chains last: its lock comes after every other lock of the commit.
            "before_commit": [pagecache.move_version_on, audit.chain_pending],
            "after_commit": [pagecache.forget_version],
            "after_soft_rollback": [pagecache.forget_changes, audit.drop_rolled_back],
            "after_transaction_end": [audit.drop_at_end],
        }
    )
    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    i18n.init_app(app)
    bidi.init_app(app)
    notes.init_app(app)
    security.init_app(app)
    pagecache.init_app(app)
    kept.init_app(app)
    web.register_blueprints(app)
    retry.wrap_views(app)
    register_cli(app)
    errors.register_error_handlers(app)
    return app
