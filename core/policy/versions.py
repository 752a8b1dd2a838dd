"""Policy versions: each change of what the policy says makes a draft; a board approval publishes one.

What a version says is fingerprinted (its text in both languages and its clauses' wording). A change
of the tenant's settings, of its own wording or of shared wording it uses gives another fingerprint and
so a new draft; the published version stays as the board approved it. A board approval records the
fingerprint of the text it approved and approves only a version of this policy (its title) with that
text: a record that names another policy is kept as written and approves nothing.

Run inside the tenant's scope (the web request, or `tenant_scope`); `sync` enters it itself because
it is called from provisioning, which works across tenants.
"""
import copy
import json
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import sqlalchemy as sa
from flask import has_request_context
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import orm

from core import audit
from core.approvals import ApprovalWarning, approval_warnings
from core.arabic import normalise
from core.calendar import CalendarError, from_hijri
from core.extensions import db
from core.models import BoardApproval, PolicyStatus, PolicyVersion
from core.models.base import utcnow
from core.policy import rendering
from core.tenancy import tenant_scope

#: Keys of a board approval record, as the tenant file and the admin form give them.
RECORD_KEYS = ("meeting", "session", "weekday", "hijri_date", "gregorian_date", "policy_title", "text_ar",
               "text_hash")


class PolicyError(ValueError):
    """An operation the policy's state does not allow; the message is for the admin."""


def _actor_id() -> int | None:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def snapshot(tenant) -> dict:
    """What a version is rendered from: the tenant's names and its settings, as they are now."""
    return {"name_ar": tenant.name_ar, "name_en": tenant.name_en, **copy.deepcopy(tenant.settings or {})}


def all_versions() -> list[PolicyVersion]:
    """The tenant's versions, newest first."""
    return list(db.session.scalars(sa.select(PolicyVersion).order_by(PolicyVersion.number.desc())))


def get(number: int) -> PolicyVersion | None:
    return db.session.scalar(sa.select(PolicyVersion).where(PolicyVersion.number == number))


def latest() -> PolicyVersion | None:
    return db.session.scalar(sa.select(PolicyVersion).order_by(PolicyVersion.number.desc()).limit(1))


def published() -> PolicyVersion | None:
    """The approved version the public reads."""
    return db.session.scalar(
        sa.select(PolicyVersion).where(PolicyVersion.status == PolicyStatus.approved)
        .order_by(PolicyVersion.published_at.desc(), PolicyVersion.number.desc()).limit(1))


def _public(document: bool) -> PolicyVersion | None:
    """`published() or latest()` in one query: approved versions first, the one published last among them
    (ordered as `published` orders them), else the newest. With `document`, the text (both bodies and the
    clauses, which `board_approved` checks against the fingerprint) and the approval records come in the
    same query, for the pages that show it."""
    approved = PolicyVersion.status == PolicyStatus.approved
    statement = (sa.select(PolicyVersion)
                 .order_by(sa.case((approved, 0), else_=1), sa.case((approved, PolicyVersion.published_at)).desc(),
                           PolicyVersion.number.desc())
                 .limit(1))
    if document:
        statement = statement.options(orm.undefer_group("document"), orm.joinedload(PolicyVersion.approvals),
                                      orm.lazyload(PolicyVersion.created_by))
    return db.session.scalars(statement).unique().first()


def public_version(tenant, document: bool = False) -> PolicyVersion | None:
    """The approved version, or else the newest draft (shown as not yet approved by the board); with
    `document`, its text and approval records loaded with it (`_public`).

    A tenant that predates policy versions gets its first version here.
    """
    version = _public(document)
    if version is None:
        try:
            version = sync(tenant)
            db.session.commit()
        except sa.exc.IntegrityError:  # another request made it first
            db.session.rollback()
            version = _public(document)
    return version


def _audit_values(version: PolicyVersion) -> dict:
    return {"number": version.number, "status": str(version.status), "title_ar": version.title_ar,
            "fingerprint": version.fingerprint}


# --- Does a record approve this version? --------------------------------------------------------------

def names_this_policy(record: dict, version: PolicyVersion) -> bool:
    """The record's title is this version's title (Arabic or English), as the minutes may spell it."""
    wanted = {normalise(version.title_ar), normalise(version.title_en)}
    return normalise(record.get("policy_title") or "") in wanted


@dataclass(frozen=True)
class RecordStatus:
    #: It approves this version: it names this policy and, if it names a text, this version's text.
    approves: bool
    names_other: bool
    other_text: bool


def record_status(record: dict, version: PolicyVersion) -> RecordStatus:
    names_other = not names_this_policy(record, version)
    other_text = bool(record.get("text_hash")) and record["text_hash"] != version.fingerprint
    return RecordStatus(not names_other and not other_text, names_other, other_text)


def text_intact(version: PolicyVersion) -> bool:
    """The stored text still has the fingerprint it was made (and approved) with."""
    if version.clauses is None:  # made before the clause library: nothing to recompute it from
        return True
    return _text_hash(version.body_ar, version.body_en,
                      json.dumps(version.clauses, ensure_ascii=False, sort_keys=True)) == version.fingerprint


@lru_cache(maxsize=64)
def _text_hash(body_ar: str, body_en: str, clauses_json: str) -> str:
    """The public page asks on every visit: the same stored text is hashed once per process."""
    return rendering.text_hash(body_ar, body_en, json.loads(clauses_json))


def approving(version: PolicyVersion) -> list[BoardApproval]:
    """The records that approve this version."""
    return [a for a in version.approvals if record_status(a.as_record(), version).approves]


def board_approved(version: PolicyVersion) -> bool:
    """What the public page may call "approved by the board": an approved version, a record of this
    policy for this text, and the text unchanged since."""
    return version.status == PolicyStatus.approved and bool(approving(version)) and text_intact(version)


def approval_date(version: PolicyVersion) -> date | None:
    """The date the board approved the version, as its latest approving record gives it."""
    for approval in reversed(approving(version)):
        if approval.gregorian_date:
            return approval.gregorian_date
        if approval.hijri_date:
            try:
                return from_hijri(*map(int, approval.hijri_date.split("-")))
            except (CalendarError, ValueError):
                continue
    return None


# --- Making drafts ------------------------------------------------------------------------------------

def sync(tenant) -> PolicyVersion | None:
    """Make a draft if what the tenant's policy says has changed; returns the new version, if any.

    The published version is never touched. The first version of a tenant whose file carries
    board approval records gets those records, exactly as written; they approve it if they name this
    policy (and, when they give a text fingerprint, this text).
    """
    with tenant_scope(tenant):
        state = snapshot(tenant)
        rendered = rendering.render(state)
        newest = latest()
        if newest is not None and newest.fingerprint == rendered.fingerprint:
            return None
        current = published()
        if current is not None and current.fingerprint == rendered.fingerprint:
            # The settings say again what the board approved: the pending drafts are obsolete.
            for version in all_versions():
                if version.status == PolicyStatus.draft and version.number > current.number:
                    _set_status(version, PolicyStatus.superseded, "policy.supersede")
            db.session.flush()  # while still in this tenant's scope
            return None
        version = PolicyVersion(
            tenant_id=tenant.id, number=newest.number + 1 if newest else 1, status=PolicyStatus.draft,
            settings=state, title_ar=rendered.title_ar, title_en=rendered.title_en,
            body_ar=rendered.body_ar, body_en=rendered.body_en, fingerprint=rendered.fingerprint,
            clauses=list(rendered.clauses), created_by_id=_actor_id(),
        )
        db.session.add(version)
        db.session.flush()
        audit.record("policy.draft", version, object_id=version.number, after=_audit_values(version))
        if newest is None and state.get("board_approvals"):
            for record in state["board_approvals"]:
                # A record without a fingerprint approves the text this file gives, as written.
                _add_record(version, {**record, "text_hash": record.get("text_hash") or version.fingerprint})
            if approving(version):
                _publish(version)
        db.session.flush()  # while still in this tenant's scope
        return version


def sync_all() -> list[tuple[str, PolicyVersion]]:
    """A draft for every tenant whose policy now says something else (after a release changed shared
    wording). Returns (slug, new draft) pairs; the caller commits."""
    from core.jobs import tenants_with_module

    return [(tenant.slug, version) for tenant in tenants_with_module() if (version := sync(tenant))]


def _set_status(version: PolicyVersion, status: PolicyStatus, action: str) -> None:
    before = str(version.status)
    version.status = status
    audit.record(action, version, object_id=version.number, before={"status": before},
                 after={"status": str(status)})


def _add_record(version: PolicyVersion, record: dict) -> BoardApproval:
    values = {key: record.get(key) for key in RECORD_KEYS}
    if isinstance(values["gregorian_date"], str):
        values["gregorian_date"] = date.fromisoformat(values["gregorian_date"])
    approval = BoardApproval(tenant_id=version.tenant_id, version_number=version.number,
                             position=len(version.approvals) + 1, recorded_by_id=_actor_id(), **values)
    db.session.add(approval)
    version.approvals.append(approval)
    db.session.flush()
    audit.record("policy.board_approval", approval, object_id=f"{version.number}.{approval.position}",
                 after={key: (v.isoformat() if isinstance(v, date) else v) for key, v in values.items()})
    return approval


def _publish(version: PolicyVersion) -> None:
    """Approve and publish `version`; the version it replaces and older drafts are superseded."""
    for other in all_versions():
        if other.number == version.number:
            continue
        if other.status == PolicyStatus.approved or (
                other.status == PolicyStatus.draft and other.number < version.number):
            _set_status(other, PolicyStatus.superseded, "policy.supersede")
    now = utcnow()
    version.approved_at = version.published_at = now
    _set_status(version, PolicyStatus.approved, "policy.approve")


def record_approval(version: PolicyVersion, record: dict) -> BoardApproval:
    """Record the board's approval of a draft, as written in the minutes, bound to the draft's text.

    It publishes the draft only if it names this policy; a record of another policy is kept as written
    and the draft stays a draft.
    """
    if version.status != PolicyStatus.draft:
        raise PolicyError(_l("Only a draft can be approved: this version is already approved or superseded."))
    if not text_intact(version):
        raise PolicyError(_l("This draft's stored text no longer matches its fingerprint; it cannot be approved."))
    approval = _add_record(version, {**record, "text_hash": version.fingerprint})
    if record_status(approval.as_record(), version).approves:
        _publish(version)
    return approval


def warnings_for(approval: BoardApproval, version: PolicyVersion) -> list[ApprovalWarning]:
    """The calendar and title cross-check of one record against the version it approved."""
    return approval_warnings(approval.as_record(), {version.title_ar, version.title_en})


# --- Which clauses differ --------------------------------------------------------------------------

@dataclass(frozen=True)
class ClauseChange:
    clause_id: str
    #: "changed", "added" or "removed"
    kind: str
    old: str = ""
    new: str = ""


def clause_changes(old: PolicyVersion, new: PolicyVersion, locale: str) -> list[ClauseChange]:
    """The clauses whose text differs between two versions in either language (shown in `locale`), in the
    newer version's order."""
    other = "en" if locale == "ar" else "ar"
    before, after = rendering.clause_texts(old.body(locale)), rendering.clause_texts(new.body(locale))
    before_other, after_other = rendering.clause_texts(old.body(other)), rendering.clause_texts(new.body(other))
    changes = []
    for clause_id, text in after.items():
        if clause_id not in before:
            changes.append(ClauseChange(clause_id, "added", new=text))
        elif before[clause_id] != text or before_other.get(clause_id) != after_other.get(clause_id):
            changes.append(ClauseChange(clause_id, "changed", before[clause_id], text))
    changes.extend(ClauseChange(cid, "removed", old=text) for cid, text in before.items() if cid not in after)
    return changes


def pending_changes(rows: list[PolicyVersion], locale: str
                    ) -> tuple[PolicyVersion | None, PolicyVersion | None, list[ClauseChange]]:
    """The published version, the newest draft after it and the clauses in which they differ, from the
    tenant's versions (newest first, as `all_versions` gives them)."""
    approved = [v for v in rows if v.status == PolicyStatus.approved]
    current = max(approved, key=lambda v: (v.published_at, v.number)) if approved else None
    newest = rows[0] if rows else None
    if current is None or newest is None or newest.number <= current.number or newest.status != PolicyStatus.draft:
        return current, None, []
    return current, newest, clause_changes(current, newest, locale)


# --- Showing a version ----------------------------------------------------------------------------

def document(version: PolicyVersion, locale: str, tenant=None) -> Markup:
    """The version in one language with its letterhead (the association's current contact data) and its
    board approval section filled in from the records."""
    records = []
    for approval in version.approvals:
        status = record_status(approval.as_record(), version)
        records.append({**approval.as_record(), "approves": status.approves, "names_other": status.names_other,
                        "other_text": status.other_text})
    names = ({"name_ar": tenant.name_ar, "name_en": tenant.name_en} if tenant is not None else version.settings)
    settings = tenant.settings if tenant is not None else version.settings
    name = names["name_ar" if locale == "ar" else "name_en"]
    return rendering.assemble(
        version.body(locale),
        rendering.render_approvals(records, name, locale, approved=board_approved(version)),
        rendering.render_letterhead(names, settings or {}, locale))
