"""Admin routes: policy versions, the diff between two, and recording a board approval."""
import re

from flask import abort, flash, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from blueprints.admin.forms import Storable
from blueprints.admin.views import bp
from core.approvals import TITLE_MISMATCH, WEEKDAY_LABELS, WEEKDAYS_AR, approval_warnings, weekday_number
from core.arabic import normalise
from core.calendar import CalendarError, from_hijri
from core.extensions import db
from core.i18n import locale_code
from core.models import PolicyStatus
from core.models.keys import INT4_MAX
from core.policy import diff, pdf, versions
from core.roles import Role
from core.web import arg_id, roles_required

_HIJRI = re.compile(r"^(\d{4})[-/](\d{1,2})[-/](\d{1,2})$")

#: The Saudi week starts on Sunday (Python weekday() 6).
_WEEK = (6, 0, 1, 2, 3, 4, 5)


def _weekday_choices():
    return [("", _l("Not stated"))] + [(WEEKDAYS_AR[n], _l(WEEKDAY_LABELS[n])) for n in _WEEK]


class BoardApprovalForm(FlaskForm):
    """A board approval as the minutes give it; dates are checked, never corrected."""

    meeting = StringField(_l("Meeting number"), validators=[Optional(), Length(max=80), Storable()])
    session = StringField(_l("Session number"), validators=[Optional(), Length(max=80), Storable()])
    weekday = SelectField(_l("Weekday"), choices=_weekday_choices, validate_choice=False)
    hijri_date = StringField(_l("Hijri date"), description=_l("Year-month-day, e.g. 1446-02-03"))
    gregorian_date = DateField(_l("Gregorian date"), validators=[Optional()])
    policy_title = StringField(_l("Title of the approved policy, as written in the minutes"), validators=[
        DataRequired(_l("Enter the title of the policy the board approved.")),
        Length(min=3, max=300, message=_l("The title must be between 3 and 300 characters.")), Storable()])
    text_ar = TextAreaField(_l("The approval as written in the minutes (optional)"),
                            validators=[Optional(), Length(max=2000), Storable(multiline=True)])
    confirm = BooleanField(_l("The record is exactly as the minutes wrote it: record it despite the warnings"))

    def validate_weekday(self, field):
        if field.data and weekday_number(field.data) is None:
            raise ValidationError(_l("Choose a day of the week."))

    def validate_hijri_date(self, field):
        value = normalise(field.data or "")
        if not value:
            return
        match = _HIJRI.match(value)
        if not match:
            raise ValidationError(_l("Write the Hijri date as year-month-day, e.g. 1446-02-03."))
        year, month, day = map(int, match.groups())
        try:
            from_hijri(year, month, day)
        except CalendarError as exc:
            raise ValidationError(_l("This date is not in the Umm al-Qura calendar (1343–1500 AH).")) from exc
        field.data = f"{year:04d}-{month:02d}-{day:02d}"

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not (self.hijri_date.data or "").strip() and not self.gregorian_date.data \
                and not self.gregorian_date.errors:
            self.hijri_date.errors = [*self.hijri_date.errors, _("Give the Hijri date, the Gregorian date, or both.")]
            valid = False
        return valid

    def record(self) -> dict:
        """The validated record, as written."""
        return {
            "meeting": (self.meeting.data or "").strip() or None,
            "session": (self.session.data or "").strip() or None,
            "weekday": self.weekday.data or None,
            "hijri_date": self.hijri_date.data or None,
            "gregorian_date": self.gregorian_date.data,
            "policy_title": (self.policy_title.data or "").strip(),
            "text_ar": (self.text_ar.data or "").strip() or None,
        }


def _version_or_404(number: int):
    version = versions.get(number) if 0 < number <= INT4_MAX else None
    if version is None:
        abort(404)
    return version


def _render_version(version, form=None, pending=None, status=200):
    records = [(approval, versions.warnings_for(approval, version),
                versions.record_status(approval.as_record(), version)) for approval in version.approvals]
    if form is None and version.status == PolicyStatus.draft:
        form = BoardApprovalForm(policy_title=version.title_ar)
    pending_by_field = {}
    for warning in pending or []:
        pending_by_field.setdefault(warning.field, []).append(warning)
    published = versions.published()
    changes = []
    if published is not None and published.number != version.number:
        changes = versions.clause_changes(published, version, locale_code())
    return render_template(
        "admin/policy_version.html", tenant=g.tenant, version=version, records=records, form=form,
        pending=pending or [], pending_by_field=pending_by_field, published=published, changes=changes,
        text_intact=versions.text_intact(version), board_approved=versions.board_approved(version),
        names_other=any(w.code == TITLE_MISMATCH for w in pending or []),
        document=versions.document(version, locale_code(), g.tenant),
    ), status


def _sync_shared_wording() -> None:
    """A release may have changed shared wording this tenant uses: that makes a draft, shown here."""
    if versions.sync(g.tenant) is not None:
        db.session.commit()


@bp.get("/policy/")
@roles_required(Role.tenant_admin)
def policy_versions():
    _sync_shared_wording()
    rows = versions.all_versions()
    current, draft, changes = versions.pending_changes(rows, locale_code())
    return render_template("admin/policy_versions.html", tenant=g.tenant, versions=rows, published=current,
                           draft=draft, changes=changes,
                           board_approved=versions.board_approved(current) if current else False)


@bp.get("/policy/<int:number>")
@roles_required(Role.tenant_admin)
def policy_version(number: int):
    return _render_version(_version_or_404(number))


@bp.get("/policy/<int:number>.pdf")
@roles_required(Role.tenant_admin)
def policy_version_pdf(number: int):
    version = _version_or_404(number)
    locale = locale_code()
    html = render_template("portal/policy_pdf.html", version=version, locale=locale,
                           approved=versions.board_approved(version), approved_on=versions.approval_date(version),
                           document=versions.document(version, locale, g.tenant))
    return pdf.response(html, f"{g.tenant.slug}-policy-v{version.number}-{locale}.pdf")


@bp.post("/policy/<int:number>/approve")
@roles_required(Role.tenant_admin)
def policy_approve(number: int):
    version = _version_or_404(number)
    if version.status != PolicyStatus.draft:
        flash(_("Only a draft can be approved: this version is already approved or superseded."), "error")
        return _render_version(version, status=409)
    form = BoardApprovalForm()
    if not form.validate():
        return _render_version(version, form=form, status=422)
    record = form.record()
    warnings = approval_warnings(record, {version.title_ar, version.title_en})
    if warnings and not form.confirm.data:
        # Nothing is written yet: the admin sees what does not add up and confirms the record as written.
        return _render_version(version, form=form, pending=warnings)
    try:
        versions.record_approval(version, record)
    except versions.PolicyError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return _render_version(version, status=409)
    db.session.commit()
    if version.status == PolicyStatus.approved:
        flash(_("Version {number} is approved by the board and published.").format(number=version.number),
              "success")
    else:
        flash(_("The record is kept as written, but it names a different policy, so version {number} is still "
                "a draft.").format(number=version.number), "warning")
    return redirect(url_for("admin.policy_version", number=version.number))


@bp.get("/policy/diff")
@roles_required(Role.tenant_admin)
def policy_diff():
    old_number, new_number = arg_id("from"), arg_id("to")
    if old_number is None or new_number is None:
        abort(400)
    old, new = _version_or_404(old_number), _version_or_404(new_number)
    lines = diff.compare(old, new, locale_code())
    return render_template("admin/policy_diff.html", tenant=g.tenant, old=old, new=new, lines=lines)
