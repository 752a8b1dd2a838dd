"""Reading requests and files for work queues, lists and search: a fixed number of queries per page."""
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, defaultload, joinedload, load_only

from core.arabic import article_forms, name_key, name_words, normalise
from core.beneficiaries.models import Beneficiary, BeneficiaryCategory
from core.extensions import db
from core.identity import IdentityError, clean_mobile, is_national_id
from core.messaging.models import OutboxMessage
from core.workflow.deadlines import today
from core.workflow.models import Referral, SupportRequest
from core.workflow.states import RequestState

PAGE_SIZE = 50
QUEUE_SIZE = 20
REFERENCE_RE = re.compile(r"^\d{4}-\d{1,6}$")


@dataclass
class Page:
    rows: list
    next_after: int | None


def _page(query, id_column, after: int | None, size: int) -> Page:
    """Keyset pagination on a descending id: `after` is the last id of the previous page."""
    if after:
        query = query.where(id_column < after)
    rows = list(db.session.execute(query.order_by(id_column.desc()).limit(size + 1)).unique().scalars())
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].id if more and rows else None)


#: Public name for other readers of keyset pages (the API).
keyset_page = _page


def _requests(join_file: bool = False):
    """Requests with their files. Filtered on the file's columns, the file is joined; otherwise it is
    fetched by a left join of the (limited) requests: PostgreSQL then walks the requests' index in the
    page's order and stops at the page's end, where an inner join made it join all the tenant's files
    first (it takes both tables' tenant conditions as independent and expects a handful of rows)."""
    if join_file:
        return (sa.select(SupportRequest).join(Beneficiary, Beneficiary.id == SupportRequest.beneficiary_id)
                .options(contains_eager(SupportRequest.beneficiary)))
    return sa.select(SupportRequest).options(joinedload(SupportRequest.beneficiary, innerjoin=False))


#: Lists of requests show the file's name, not its categories: no query for them (loaded if ever read).
_WITHOUT_CATEGORIES = defaultload(SupportRequest.beneficiary).lazyload(Beneficiary.categories)


def overdue_condition(on=None):
    return sa.and_(SupportRequest.state == RequestState.under_review, SupportRequest.decision_due < (on or today()))


#: What a row of the staff's requests list shows (reference, name, state, channel, two dates): only these
#: columns are read; 51 requests and files of 40 and 20 columns cost more to load than to query.
_LIST_COLUMNS = (
    load_only(SupportRequest.id, SupportRequest.tenant_id, SupportRequest.beneficiary_id, SupportRequest.reference,
              SupportRequest.state, SupportRequest.channel, SupportRequest.received_at, SupportRequest.decision_due,
              SupportRequest.version),
    defaultload(SupportRequest.beneficiary).load_only(Beneficiary.id, Beneficiary.tenant_id, Beneficiary.name,
                                                      Beneficiary.version),
)


def list_requests(state=None, channel=None, category=None, researcher_id=None, overdue=False, after=None,
                  size=PAGE_SIZE, brief=False) -> Page:
    """A page of requests; `brief` reads only what the staff list shows (the API wants every field)."""
    query = requests_query(state=state, channel=channel, category=category, researcher_id=researcher_id,
                           overdue=overdue)
    query = query.options(_WITHOUT_CATEGORIES, *(_LIST_COLUMNS if brief else ()))
    return _page(query, SupportRequest.id, after, size)


def requests_query(state=None, channel=None, category=None, researcher_id=None, overdue=False):
    """The requests list's rows (with their files), filtered; the list pages it, exports read it all."""
    query = _requests(join_file=bool(category or researcher_id))
    if state:
        query = query.where(SupportRequest.state == state)
    if channel:
        query = query.where(SupportRequest.channel == channel)
    if category:
        query = query.where(sa.exists().where(BeneficiaryCategory.beneficiary_id == Beneficiary.id,
                                              BeneficiaryCategory.code == category))
    if researcher_id:
        query = query.where(Beneficiary.researcher_id == researcher_id)
    if overdue:
        query = query.where(overdue_condition())
    return query


def list_beneficiaries(category=None, researcher_id=None, after=None, size=PAGE_SIZE) -> Page:
    # The categories come in the same query (a join on the page's rows), not in a second round trip.
    query = beneficiaries_query(category=category, researcher_id=researcher_id)
    return _page(query.options(joinedload(Beneficiary.categories)), Beneficiary.id, after, size)


def beneficiaries_query(category=None, researcher_id=None):
    """The files list's rows, filtered; the list pages it, exports read it all."""
    query = sa.select(Beneficiary).options(joinedload(Beneficiary.researcher))
    if category:
        query = query.where(sa.exists().where(BeneficiaryCategory.beneficiary_id == Beneficiary.id,
                                              BeneficiaryCategory.code == category))
    if researcher_id:
        query = query.where(Beneficiary.researcher_id == researcher_id)
    return query


# --- work queues ---------------------------------------------------------------------------------

def queue(name: str, size: int = QUEUE_SIZE) -> tuple[list, int]:
    """(first rows, total) of one work queue."""
    if name == "referrals":
        base = sa.select(Referral).where(Referral.answered_at.is_(None))
        # The queue shows the file's name, the question and when it was asked: only the file's name is read.
        rows = db.session.scalars(base.options(joinedload(Referral.beneficiary).load_only(
                                                   Beneficiary.id, Beneficiary.tenant_id, Beneficiary.name,
                                                   Beneficiary.version),
                                               defaultload(Referral.beneficiary).lazyload(Beneficiary.categories))
                                  .order_by(Referral.asked_at).limit(size)).all()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
        return list(rows), total
    conditions, order = _queue_filter(name)
    rows = db.session.scalars(_requests().where(*conditions).order_by(*order).limit(size)).unique().all()
    # Counted on the requests alone: the join to the files is only needed for the rows shown.
    total = db.session.scalar(sa.select(sa.func.count(SupportRequest.id)).where(*conditions))
    return list(rows), total


#: What a work queue's row shows (the reference, the name, the service, a date): only these columns are
#: read, 140 rows a page of requests and files of 40 and 20 columns cost more to load than to query.
_QUEUE_COLUMNS = (
    load_only(SupportRequest.id, SupportRequest.tenant_id, SupportRequest.reference, SupportRequest.state,
              SupportRequest.service, SupportRequest.received_at, SupportRequest.decision_due,
              SupportRequest.decided_at, SupportRequest.version),
    joinedload(SupportRequest.beneficiary, innerjoin=False).load_only(Beneficiary.id, Beneficiary.tenant_id,
                                                                      Beneficiary.name, Beneficiary.version),
    _WITHOUT_CATEGORIES,
)


def queues(names: list[str], size: int = QUEUE_SIZE) -> list[tuple[list, int]]:
    """(first rows, total) of each work queue, as `queue` gives them, in three queries for all the request
    queues: their totals (one pass over the tenant's requests), the ids of each one's first rows (one
    UNION ALL of the queues' limited, ordered index reads) and those rows (by id)."""
    from core.tenancy import current_scope

    request_queues = [name for name in names if name != "referrals"]
    totals, firsts, loaded = {}, {name: [] for name in request_queues}, {}
    if request_queues:
        filters = {name: sa.and_(*_queue_filter(name)[0]) for name in request_queues}
        counts = db.session.execute(
            sa.select(*[sa.func.count(SupportRequest.id).filter(condition) for condition in filters.values()])
            .where(sa.or_(*filters.values()))).one()
        totals = dict(zip(filters, counts, strict=True))
        tenant_id = current_scope().tenant_id  # explicit in each part (RLS holds it too on PostgreSQL)
        parts = []
        for name in request_queues:
            conditions, order = _queue_filter(name)
            first = (sa.select(SupportRequest.id.label("id"),
                               sa.func.row_number().over(order_by=order).label("position"))
                     .where(SupportRequest.tenant_id == tenant_id, *conditions)
                     .order_by(*order).limit(size).subquery())
            parts.append(sa.select(first.c.id, first.c.position, sa.literal(name).label("queue")))
        for request_id, position, name in db.session.execute(sa.union_all(*parts)).all():
            firsts[name].append((position, request_id))
        ids = {request_id for rows in firsts.values() for _position, request_id in rows}
        if ids:
            loaded = {r.id: r for r in db.session.scalars(
                sa.select(SupportRequest).options(*_QUEUE_COLUMNS).where(SupportRequest.id.in_(ids))).unique()}
    result = []
    for name in names:
        if name == "referrals":
            result.append(queue(name, size))
            continue
        rows = [loaded[request_id] for _position, request_id in sorted(firsts[name]) if request_id in loaded]
        result.append((rows, totals[name]))
    return result


def _queue_filter(name: str) -> tuple[list, list]:
    state = SupportRequest.state
    if name == "new":
        return [state == RequestState.received], [SupportRequest.received_at]
    if name == "documents":
        return [state == RequestState.documents_pending], [SupportRequest.received_at]
    if name == "ready":
        return [state == RequestState.declared], [SupportRequest.received_at]
    if name == "decision":
        # Overdue first, then by due date: the earliest due date is the most urgent either way.
        return [state == RequestState.under_review], [SupportRequest.decision_due, SupportRequest.id]
    if name == "to_serve":
        return [state.in_([RequestState.accepted, RequestState.registered])], [SupportRequest.decided_at]
    if name == "not_notified":
        delivered = sa.exists().where(OutboxMessage.request_id == SupportRequest.id,
                                      OutboxMessage.kind.in_(["decision_accepted", "decision_rejected"]),
                                      OutboxMessage.status == "sent")
        return ([SupportRequest.decided_at.is_not(None), SupportRequest.decision_notified_at.is_(None), ~delivered],
                [SupportRequest.decided_at])
    raise ValueError(name)


# --- search --------------------------------------------------------------------------------------

@dataclass
class SearchResult:
    kind: str  # file_number | reference | national_id | mobile | name
    beneficiaries: list
    requests: list


def search(text: str, size: int = PAGE_SIZE) -> SearchResult:
    """Guess what was typed: a reference (2026-00042), an ID number, a mobile, a file number, or a name."""
    value = normalise(text).replace(" ", "") if text else ""
    query = (sa.select(Beneficiary).options(joinedload(Beneficiary.researcher), joinedload(Beneficiary.categories))
             .order_by(Beneficiary.id.desc()))
    if REFERENCE_RE.match(value):
        year, number = value.split("-")
        reference = f"{year}-{int(number):05d}"
        requests = db.session.scalars(_requests().where(SupportRequest.reference == reference)).unique().all()
        return SearchResult("reference", [], list(requests))
    if value.isdigit() and len(value) == 10 and is_national_id(value):
        rows = db.session.scalars(query.where(Beneficiary.national_id == value)).unique().all()
        return SearchResult("national_id", list(rows), [])
    if value.startswith(("+", "05", "9665", "009665")):
        try:
            mobile = clean_mobile(value)
        except IdentityError:
            mobile = None
        if mobile:
            rows = db.session.scalars(query.where(Beneficiary.mobile == mobile).limit(size)).unique().all()
            return SearchResult("mobile", list(rows), [])
    if value.isdigit() and len(value) <= 9:
        rows = db.session.scalars(query.where(Beneficiary.file_number == int(value))).unique().all()
        return SearchResult("file_number", list(rows), [])
    rows = db.session.scalars(name_query(query, text, size)).unique().all()
    return SearchResult("name", list(rows), [])


MAX_NAME_WORDS = 6


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_query(query, text: str, size: int):
    """Every typed word starts a word of the name, in any order, with or without its article («قحطاني»
    finds «القحطاني», "zahrani" finds "Al-Zahrani"); exact names first, then names where every typed word
    is a whole word, then prefixes; newest first within each. One query whatever the number of files.

    Each word is also a plain `LIKE '%word%'` on the normalised name: that is what PostgreSQL's trigram
    index (tenant_id, name_search gin_trgm_ops) answers; the word-start test only rechecks its rows."""
    words = [w for w in name_words(text) if w][:MAX_NAME_WORDS]
    if not words or sum(len(w) for w in words) < 2:
        return query.where(sa.false()).limit(0)
    padded = sa.literal(" ") + Beneficiary.name_search
    both = padded + sa.literal(" ")
    matches, whole = [], []
    for word in words:
        forms = article_forms(word)
        matches.append(Beneficiary.name_search.like(f"%{_like(word)}%", escape="\\"))
        matches.append(sa.or_(*(padded.like(f"% {_like(form)}%", escape="\\") for form in forms)))
        whole.append(sa.or_(*(both.like(f"% {_like(form)} %", escape="\\") for form in forms)))
    rank = sa.case((Beneficiary.name_search == name_key(text), 0), (sa.and_(*whole), 1), else_=2)
    return query.where(*matches).order_by(None).order_by(rank, Beneficiary.id.desc()).limit(size)
