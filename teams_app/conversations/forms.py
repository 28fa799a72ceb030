"""Comment, edit, hide and "me too" forms."""

from __future__ import annotations

from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from teams_app.conversations.services import BODY_MAX, REASON_MAX, SUPPORT_COMMENT_MAX
from teams_app.forms import Form


class CommentForm(Form):
    # Emptiness and length are the service's to refuse (with the text kept), like the API.
    body = TextAreaField(
        "Add a comment",
        description="Markdown works: **bold**, *italic*, lists with “- ”. Type @ and a name to "
        "mention a colleague who can see this.",
        render_kw={"rows": 3, "maxlength": BODY_MAX},
        id="comment-body",  # the page's other forms may have a "body" (status updates)
    )
    parent_id = HiddenField()
    nonce = HiddenField()  # one per rendered form: a double submit makes one comment
    next = HiddenField()


class EditCommentForm(Form):
    body = TextAreaField("Your comment", render_kw={"rows": 4, "maxlength": BODY_MAX})
    version = HiddenField()


class HideCommentForm(Form):
    reason = TextAreaField(
        "Why hide it?",
        validators=[Length(max=REASON_MAX)],
        description="The author reads this by mail.",
    )


class SupportForm(Form):
    comment = TextAreaField(
        "Add what you see (optional)",
        validators=[Optional(), Length(max=SUPPORT_COMMENT_MAX)],
        description="Such as “also at Moore, every Saturday”.",
        render_kw={"rows": 2},
    )
    next = HiddenField()
