"""The rows of the staff lists (files, requests, search results, work queues), made in Python, not Jinja.

A list page shows 50 rows; in Jinja each row was some twenty pieces of output, each passed up through three
generators, and half a dozen calls and attribute lookups through the template's machinery: the rows were
most of a list page's rendering. Here each row is one call and one string, with every value escaped. The
markup is the one the templates had; the words in it come from the page (its labels, its translations).
"""
from markupsafe import Markup, escape

from blueprints.staff.base import bp, due, state_badge
from core.i18n import dual_date
from core.identity import display_mobile


@bp.app_template_global()
def request_row(r, url_prefix: str, today, channel_label) -> Markup:
    """A row of the requests list: reference (a link), name, state, channel, received, decision due."""
    overdue = r.state == "under_review" and r.decision_due and r.decision_due < today
    return Markup(
        f'<tr class="{"table-danger" if overdue else ""}">'
        f'<td><a href="{escape(url_prefix)}{r.id}"><bdi dir="ltr">{escape(r.reference)}</bdi></a></td>'
        f"<td>{escape(r.name)}</td><td>{state_badge(r.state)}</td>"
        f'<td class="small">{escape(channel_label(r.channel))}</td>'
        f'<td class="small">{dual_date(r.received_at)}</td><td class="small">{due(r, today)}</td></tr>')


@bp.app_template_global()
def file_row(b, url_prefix: str, category_labels: dict, separator: str, full: bool = True) -> Markup:
    """A row of the files list (`full`: with the researcher and the date it was opened) or of the search's
    files (the name a link too)."""
    link = f"{escape(url_prefix)}{b.id}"
    name = escape(b.name)
    categories = escape(separator).join(escape(category_labels.get(code, code)) for code in b.category_codes)
    cells = [f'<td><a href="{link}"><bdi dir="ltr">{b.file_number}</bdi></a></td>',
             f"<td>{name}</td>" if full else f'<td><a class="file-name" href="{link}">{name}</a></td>',
             f'<td><bdi dir="ltr">{escape(display_mobile(b.mobile))}</bdi></td>',
             f'<td class="small">{categories}</td>']
    if full:
        cells.append(f'<td class="small">{escape(b.researcher_name or "")}</td>'
                     f'<td class="small">{dual_date(b.created_at)}</td>')
    return Markup(f"<tr>{''.join(cells)}</tr>")


@bp.app_template_global()
def queue_row(r, queue: str, url_prefix: str, today, service_labels: dict, locale: str, overdue_label) -> Markup:
    """A row of a work queue of requests: reference (a link), name, service, and the decision's due date
    (flagged when passed) on the decision queue, the day it was received on the others."""
    service = service_labels[r.service].label(locale) if r.service in service_labels else r.service
    if queue == "decision":
        late = r.decision_due and r.decision_due < today
        when = (Markup('<span class="badge text-bg-danger overdue">{}</span> ').format(overdue_label) if late
                else "") + dual_date(r.decision_due)
    else:
        late, when = False, dual_date(r.at)
    return Markup(
        f'<tr class="{"table-danger" if late else ""}">'
        f'<td class="text-nowrap"><a href="{escape(url_prefix)}{r.id}"><bdi dir="ltr">{escape(r.reference)}</bdi>'
        f"</a></td><td>{escape(r.name)}</td><td>{escape(service)}</td><td class=\"small\">{when}</td></tr>")
