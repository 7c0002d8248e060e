"""keyed audit trail: each event names the audit key that sealed it; existing events re-sealed

The seals were plain SHA-256, which anyone with database access could recompute after changing
an event. From here on they are HMAC-SHA256 with the audit key (JURYFUND_AUDIT_KEY), which the
database never holds. The upgrade first checks the old chain: an installation whose trail is
already broken must not have it laundered by a re-seal, so the upgrade stops and says so.

The hashing is written out here, not imported from juryfund.infra.audit, so this revision keeps
meaning what it meant when later code changes.

Revision ID: 140efa52dd50
Revises: a3b214f8a178
Create Date: 2026-12-06 01:21:26.245648

"""

import hashlib
import hmac
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from flask import current_app

# revision identifiers, used by Alembic.
revision = "140efa52dd50"
down_revision = "a3b214f8a178"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def _iso(at) -> str:
    if isinstance(at, str):  # SQLite hands back text when read without the model's type
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _document(row, prev_hash: str, key_id: str | None) -> bytes:
    fields = {
        "prev_hash": prev_hash,
        "at": _iso(row.at),
        "actor": row.actor,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "area_id": row.area_id,
        "data": row.data,
    }
    if key_id is not None:
        fields["key_id"] = key_id
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def _plain(row, prev_hash: str) -> str:
    return hashlib.sha256(_document(row, prev_hash, None)).hexdigest()


def _keyed(row, prev_hash: str, key: str, key_id: str) -> str:
    return hmac.new(key.encode(), _document(row, prev_hash, key_id), hashlib.sha256).hexdigest()


def _key() -> tuple[str, str]:
    key = current_app.config["JURYFUND_AUDIT_KEYS"][0]
    return hmac.new(key.encode(), b"juryfund audit key id", hashlib.sha256).hexdigest()[:12], key


def _rows(bind):
    return bind.execute(
        sa.text(
            "SELECT id, at, actor, action, object_type, object_id, area_id, data, prev_hash, "
            "hash FROM audit_event ORDER BY id"
        )
    ).fetchall()


def _table():
    return sa.table(
        "audit_event",
        sa.column("id", sa.Integer),
        sa.column("key_id", sa.String),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
    )


def _rewrite(bind, rows, seal) -> None:
    """Give every event a new seal in id order; a temporary seal first keeps hash unique."""
    table = _table()
    for row in rows:
        bind.execute(table.update().where(table.c.id == row.id).values(hash=f"tmp{row.id}"))
    prev_hash = GENESIS
    for row in rows:
        values = seal(row, prev_hash)
        bind.execute(table.update().where(table.c.id == row.id).values(**values))
        prev_hash = values["hash"]


def upgrade():
    # Checked before the table changes: SQLite's DDL is not rolled back with a failed upgrade.
    bind = op.get_bind()
    rows = _rows(bind)
    prev_hash, expected_id = GENESIS, 1
    for row in rows:
        if (
            row.id != expected_id
            or row.prev_hash != prev_hash
            or _plain(row, prev_hash) != row.hash
        ):
            raise RuntimeError(
                f"audit event {row.id} does not verify: the trail was changed before this "
                "upgrade. Run 'flask juryfund verify-audit' on the previous version, settle the "
                "break with whoever holds the trail, and upgrade only then: re-sealing would "
                "hide it."
            )
        prev_hash, expected_id = row.hash, row.id + 1
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("key_id", sa.String(length=12), server_default="", nullable=False)
        )
    key_id, key = _key()

    def seal(row, prev):
        return {"key_id": key_id, "prev_hash": prev, "hash": _keyed(row, prev, key, key_id)}

    _rewrite(bind, rows, seal)


def downgrade():
    bind = op.get_bind()

    def seal(row, prev):
        return {"prev_hash": prev, "hash": _plain(row, prev)}

    _rewrite(bind, _rows(bind), seal)
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_column("key_id")
