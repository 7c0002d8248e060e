"""Sending a stored file: always as a download, never rendered by the browser."""

from __future__ import annotations

from flask import Response, request
from sqlalchemy import select
from sqlalchemy.orm import undefer

from ..extensions import db
from ..models import Attachment, StoryPhoto


def load_with_data(attachment_id: int) -> Attachment | None:
    """The attachment with its bytes (which are otherwise never loaded)."""
    return db.session.scalar(
        select(Attachment).where(Attachment.id == attachment_id).options(undefer(Attachment.data))
    )


def send_attachment(attachment: Attachment) -> Response:
    """The file as an attachment with its sniffed type and nosniff."""
    response = Response(attachment.data, mimetype=attachment.content_type)
    response.headers.set("Content-Disposition", "attachment", filename=attachment.filename)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response


def send_photo(photo: StoryPhoto, *, public: bool) -> Response:
    """A story photo to show in a page (inline; its type was set when it was re-encoded).

    Even a public photo is checked again on every view (``no-cache`` with an ETag): once the
    consent is withdrawn no cache may keep showing it.
    """
    response = Response(photo.data, mimetype=photo.content_type)
    response.headers.set("Content-Disposition", "inline", filename=f"photo-{photo.id}")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "public, no-cache" if public else "private, no-store"
    response.set_etag(photo.sha256)
    return response.make_conditional(request)
