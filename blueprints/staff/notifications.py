"""Staff routes: the signed-in person's notifications, their unread count in the staff navigation, and
the choice of a daily e-mail digest."""
from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from blueprints.staff.base import READERS, bp, show
from core.digits import to_int
from core.extensions import db
from core.models.keys import MAX_ID
from core.notifications import operations
from core.notifications.operations import KINDS
from core.web import roles_required


@bp.context_processor
def notification_helpers():
    def unread():
        if not current_user.is_authenticated:
            return 0
        known = g.get("unread_notifications")  # read with the session and the tenant (core.web)
        return known if known is not None else operations.unread_count(current_user)

    return {"unread_notifications": unread}


def target(notification) -> str:
    """Where a notification leads: a new referral to the inbox where it is answered, else its request, else
    the file."""
    if notification.kind == "referral_new":
        return url_for("staff.referral_inbox") + f"#referral-{notification.referral_id}"
    if notification.request_id is not None:
        return url_for("staff.request_detail", request_id=notification.request_id)
    if notification.beneficiary_id is not None:
        return url_for("staff.beneficiary", beneficiary_id=notification.beneficiary_id)
    return url_for("staff.notifications")


@bp.get("/notifications")
@roles_required(*READERS)
def notifications():
    before = to_int(request.args.get("before"), low=1, high=MAX_ID) if request.args.get("before") else None
    unread_only = request.args.get("unread") == "1"
    rows, next_before = operations.page_of(current_user, before, unread_only)
    pref = operations.preference(current_user)
    return show("staff/notifications.html", rows=rows, next_before=next_before, unread_only=unread_only,
                kinds=KINDS, target=target, digest=bool(pref and pref.daily_digest))


@bp.post("/notifications/<int:notification_id>/read")
@roles_required(*READERS)
def notification_read(notification_id: int):
    found = operations.mine(current_user, notification_id)
    if found is None:
        abort(404)
    operations.mark_read(found)
    db.session.commit()
    if request.form.get("open") == "1":
        return redirect(target(found))
    return redirect(url_for("staff.notifications"))


@bp.post("/notifications/read-all")
@roles_required(*READERS)
def notifications_read_all():
    count = operations.mark_all_read(current_user)
    db.session.commit()
    flash(_("All notifications are marked as read.") if count else _("Nothing was unread."), "success")
    return redirect(url_for("staff.notifications"))


@bp.post("/notifications/digest")
@roles_required(*READERS)
def notifications_digest():
    on = request.form.get("daily_digest") == "1"
    operations.set_digest(current_user, on)
    db.session.commit()
    flash(_("You will get a daily e-mail of unread notifications.") if on
          else _("You will not get the daily e-mail."), "success")
    return redirect(url_for("staff.notifications"))
