"""Admin routes: the policy's clauses — shared or own wording, the difference, and changing one.

A change is saved as the tenant's `clauses` setting through the same schema as tenant files; it is
audited and makes a new draft, and the published policy stays as the board approved it.
"""
from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from blueprints.admin.views import bp
from core import tenant_settings
from core.extensions import db
from core.policy import checks, versions, wording
from core.policy.clauses import CLAUSE_ID
from core.policy.library import TABLE_KINDS
from core.roles import Role
from core.tenant_files import TenantFileError
from core.validation import translate
from core.web import roles_required

KIND_LABELS = {"para": _l("Paragraph"), "item": _l("Numbered item"), "bullet": _l("Bullet"),
               "subitem": _l("Sub-item"), "subheading": _l("Subheading"), "row": _l("Table row")}


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ClauseForm(FlaskForm):
    """One clause's override: wording in each language (two cells for a table row), its word for the
    beneficiary, its place, left out. Empty wording means the shared wording."""

    ar = TextAreaField(_l("Arabic wording"), filters=[_strip])
    en = TextAreaField(_l("English wording"), filters=[_strip])
    ar_2 = TextAreaField(_l("Arabic wording, second cell"), filters=[_strip])
    en_2 = TextAreaField(_l("English wording, second cell"), filters=[_strip])
    term = SelectField(_l("Word for the beneficiary in this clause"), validate_choice=False, choices=[
        SelectChoice("", _l("The association's word")),
        SelectChoice("beneficiary", _l("Beneficiary (المستفيد)")),
        SelectChoice("user", _l("User (المستخدم)")),
    ])
    after = SelectField(_l("Place: after"), validate_choice=False)
    omit = BooleanField(_l("Leave this clause out of the policy"))
    #: For a clause of the association's own.
    code = StringField(_l("Name of the new clause (English letters, digits and _)"), filters=[_strip])
    kind = SelectField(_l("Kind"), validate_choice=False,
                       choices=[SelectChoice(k, label) for k, label in KIND_LABELS.items()])

    def wording(self, lang: str, cells: bool):
        first, second = getattr(self, lang).data, getattr(self, f"{lang}_2").data
        if cells:
            return [first, second] if (first or second) else None
        return first or None


def _snapshot():
    return versions.snapshot(g.tenant)


def _place_choices(section, clause_id: str | None) -> list[SelectChoice]:
    return [SelectChoice("", _("Where the shared policy has it"))] + [
        SelectChoice(c.id, c.id) for c in section.clauses if c.id != clause_id]


def _save(clause_id: str, override: dict | None, form: ClauseForm) -> bool:
    changes = {"clauses": wording.with_override(g.tenant.settings or {}, clause_id, override)}
    try:
        changed = tenant_settings.update(g.tenant, changes)
    except TenantFileError as exc:
        db.session.rollback()
        prefix = f"clauses.{clause_id}"
        for key, message in exc.problems:
            field_name = key[len(prefix) + 1:].split(".")[0] if key.startswith(prefix + ".") else ""
            target = getattr(form, {"value": "ar"}.get(field_name, field_name), None) if field_name else None
            text = translate(message)
            if target is None:
                target = form.ar
                text = _("{field}: {problem}").format(field=key, problem=text)
            target.errors = [*target.errors, text]
        return False
    db.session.commit()
    if changed:
        flash(_("Saved: clause {id}. A new draft of the policy was made; the published policy stays as the "
                "board approved it.").format(id=clause_id), "success")
    else:
        flash(_("Nothing was changed."), "info")
    return True


@bp.get("/policy/clauses")
@roles_required(Role.tenant_admin)
def policy_clauses():
    snapshot = _snapshot()
    only = request.args.get("only", "")
    sections = wording.views(snapshot)
    own = sum(1 for _s, rows in sections for view in rows if view.clause.differs)
    if only == "own":
        sections = [(s, [v for v in rows if v.clause.differs]) for s, rows in sections]
        sections = [(s, rows) for s, rows in sections if rows]
    return render_template("admin/policy_clauses.html", tenant=g.tenant, sections=sections, only=only,
                           own_count=own, advice=checks.wording_checks(snapshot))


@bp.route("/policy/clauses/<clause_id>", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def policy_clause(clause_id: str):
    snapshot = _snapshot()
    found = wording.find(snapshot, clause_id)
    if found is None:
        abort(404)
    section, clause = found
    cells = clause.kind in TABLE_KINDS
    override = (snapshot.get("clauses") or {}).get(clause_id, {})
    if request.method == "GET":
        data = {"term": override.get("term", ""), "after": override.get("after", ""), "omit": override.get("omit"),
                "kind": clause.kind}
        for lang in ("ar", "en"):
            value = clause.wording[lang]
            if cells and value is not None:
                data[lang], data[f"{lang}_2"] = value[0], value[1]
            else:
                data[lang] = value or ""
        form = ClauseForm(data=data)
    else:
        form = ClauseForm()
    form.after.choices = _place_choices(section, clause_id)
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        elif request.form.get("action") == "shared" and clause.source != "added":
            if _save(clause_id, None, form):
                return redirect(url_for("admin.policy_clauses", _anchor=f"clause-{clause_id}"))
            status = 422
        else:
            new = {}
            for lang in ("ar", "en"):
                value = form.wording(lang, cells)
                shared = (clause.shared or {}).get(lang)
                differs = list(value or []) != list(shared or []) if cells else value != shared
                if value is not None and (clause.source == "added" or differs):
                    new[lang] = value
            if form.term.data:
                new["term"] = form.term.data
            if form.after.data:
                new["after"] = form.after.data
            elif clause.source == "added":
                new["after"] = override.get("after")
            if clause.source == "added":
                new["kind"] = override.get("kind") or clause.kind
            if form.omit.data:
                new["omit"] = True
            if _save(clause_id, new or None, form):
                return redirect(url_for("admin.policy_clauses", _anchor=f"clause-{clause_id}"))
            status = 422
    return render_template("admin/policy_clause.html", tenant=g.tenant, clause=clause, section=section, form=form,
                           cells=cells, view=next(v for _s, rows in wording.views(snapshot)
                                                  for v in rows if v.clause.id == clause_id)), status


@bp.route("/policy/clauses/new", methods=["GET", "POST"])
@roles_required(Role.tenant_admin)
def policy_clause_new():
    snapshot = _snapshot()
    after = request.values.get("after", "")
    found = wording.find(snapshot, after)
    if found is None:
        abort(404)
    section, target = found
    form = ClauseForm() if request.method == "POST" else ClauseForm(
        data={"kind": target.kind if target.kind in KIND_LABELS and target.kind != "row" else "para"})
    form.kind.choices = [SelectChoice(k, label) for k, label in KIND_LABELS.items() if k != "row"]
    form.after.choices = _place_choices(section, None)[1:]
    if request.method == "GET":
        form.after.data = after
    status = 200
    if request.method == "POST":
        clause_id = f"{section.id}.{form.code.data or ''}"
        existing = {c.id for c in section.clauses}
        if not form.validate_on_submit():
            status = 400
        elif not CLAUSE_ID.match(clause_id) or not form.code.data:
            form.code.errors = [_("Use lower-case English letters, digits and _ (for example measure_impact).")]
            status = 422
        elif clause_id in existing:
            form.code.errors = [_("This section already has a clause with this name.")]
            status = 422
        elif not form.ar.data:
            form.ar.errors = [_("Enter the clause's Arabic wording.")]
            status = 422
        else:
            new = {"after": form.after.data or after, "kind": form.kind.data or "para",
                   "ar": form.wording("ar", False)}
            if form.wording("en", False):
                new["en"] = form.wording("en", False)
            if _save(clause_id, new, form):
                return redirect(url_for("admin.policy_clauses", _anchor=f"clause-{clause_id}"))
            status = 422
    return render_template("admin/policy_clause_new.html", tenant=g.tenant, section=section, target=target,
                           form=form), status
