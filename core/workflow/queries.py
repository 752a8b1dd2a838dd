"""Reading requests and files for work queues, lists and search: a fixed number of queries per page."""
import functools
import re
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, defaultload, joinedload

from core.arabic import article_forms, name_key, name_words, normalise
from core.beneficiaries.models import Beneficiary, BeneficiaryCategory, HouseholdMember, IncomeSource
from core.extensions import db
from core.identity import IdentityError, clean_mobile, is_national_id
from core.models import User
from core.statement_plans import ONE_PLAN, PLAN_EACH_RUN
from core.tenancy import reused
from core.workflow.deadlines import today
from core.workflow.models import Referral, SupportRequest
from core.workflow.states import RequestState

PAGE_SIZE = 50
#: Rows a work queue shows on the home page; its "see all" link lists the rest.
QUEUE_SIZE = 5
REFERENCE_RE = re.compile(r"^\d{4}-\d{1,6}$")


@dataclass
class Page:
    rows: list
    next_after: int | None


def _rows(query) -> list:
    """A page's rows: entities, or plain rows of a statement of columns (a brief list)."""
    result = db.session.execute(query)
    if len(query.column_descriptions) > 1 or query.column_descriptions[0]["entity"] is None:
        return result.all()
    return list(result.unique().scalars())


def _page(query, id_column, after: int | None, size: int) -> Page:
    """Keyset pagination on a descending id: `after` is the last id of the previous page."""
    if after:
        query = query.where(id_column < after)
    rows = _rows(query.order_by(id_column.desc()).limit(size + 1).execution_options(**PLAN_EACH_RUN))
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].id if more and rows else None)


#: Public name for other readers of keyset pages (the API).
keyset_page = _page


def _requests(join_file: bool = False, brief: bool = False):
    """Requests with their files. Filtered on the file's columns, the file is joined; otherwise it is
    fetched by a left join of the (limited) requests: PostgreSQL then walks the requests' index in the
    page's order and stops at the page's end, where an inner join made it join all the tenant's files
    first (it takes both tables' tenant conditions as independent and expects a handful of rows).

    `brief`: plain rows of what the staff list shows (`LIST_ROW`), not entities: 51 requests and files
    cost more to load as objects (even of a few columns) than to query."""
    if brief:
        rows = sa.select(*LIST_ROW).select_from(SupportRequest)
        on = Beneficiary.id == SupportRequest.beneficiary_id
        return rows.join(Beneficiary, on) if join_file else rows.outerjoin(Beneficiary, on)
    if join_file:
        return (sa.select(SupportRequest).join(Beneficiary, Beneficiary.id == SupportRequest.beneficiary_id)
                .options(contains_eager(SupportRequest.beneficiary)))
    return sa.select(SupportRequest).options(joinedload(SupportRequest.beneficiary, innerjoin=False))


#: Lists of requests show the file's name, not its categories: no query for them (loaded if ever read).
_WITHOUT_CATEGORIES = defaultload(SupportRequest.beneficiary).lazyload(Beneficiary.categories)


#: Lists and pages show the researcher's name only: a user row's other columns (password hash included)
#: are not read.
RESEARCHER_NAME = joinedload(Beneficiary.researcher).load_only(User.id, User.name)


def overdue_condition(on=None):
    return sa.and_(SupportRequest.state == RequestState.under_review, SupportRequest.decision_due < (on or today()))


#: What a row of the staff's requests list shows (reference, the file's name, state, channel, two dates).
LIST_ROW = (SupportRequest.id, SupportRequest.reference, SupportRequest.state, SupportRequest.channel,
            SupportRequest.received_at, SupportRequest.decision_due, Beneficiary.name.label("name"))


def list_requests(state=None, channel=None, category=None, researcher_id=None, overdue=False, queue=None,
                  after=None, size=PAGE_SIZE, brief=False) -> Page:
    """Newest first; with a work queue (`queue="decision"`), that queue's requests in its order. `brief` gives
    plain rows of what the staff list shows (`LIST_ROW`; the API wants every field)."""
    query = requests_query(state=state, channel=channel, category=category, researcher_id=researcher_id,
                           overdue=overdue, brief=brief)
    if not brief:
        query = query.options(_WITHOUT_CATEGORIES)
    if queue:
        return _queue_page(query, queue, after, size)
    return _page(query, SupportRequest.id, after, size)


def requests_query(state=None, channel=None, category=None, researcher_id=None, overdue=False, queue=None,
                   brief=False):
    """The requests list's rows (with their files), filtered; the list pages it, exports read it all. The
    list orders a work queue itself (`list_requests`); here it is one more filter."""
    query = _requests(join_file=bool(category or researcher_id), brief=brief)
    if queue:
        query = query.where(*_queue_filter(queue)[0])
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


@dataclass(frozen=True, slots=True)
class FileRow:
    """A file as the staff lists show it: plain values, not an entity (`file_rows`)."""
    id: int
    file_number: int
    name: str
    mobile: str | None
    created_at: object
    researcher_name: str | None
    category_codes: list[str]


def _file_row_columns(researcher: bool) -> tuple:
    """The columns of a `FileRow`; the categories as one comma-joined column (a subquery on the page's rows:
    the same round trip, and no entity to load for each)."""
    codes = (sa.select(sa.func.aggregate_strings(BeneficiaryCategory.code, ","))
             .where(BeneficiaryCategory.tenant_id == Beneficiary.tenant_id,
                    BeneficiaryCategory.beneficiary_id == Beneficiary.id)
             .scalar_subquery())
    return (Beneficiary.id, Beneficiary.file_number, Beneficiary.name, Beneficiary.mobile, Beneficiary.created_at,
            (User.name if researcher else sa.null()).label("researcher_name"), codes.label("category_codes"))


def file_rows(rows) -> list[FileRow]:
    return [FileRow(*row[:6], sorted(row[6].split(",")) if row[6] else []) for row in rows]


def list_beneficiaries(category=None, researcher_id=None, after=None, size=PAGE_SIZE, brief=False) -> Page:
    """Newest first. `brief` gives `FileRow`s of what the staff list shows (the API wants every field)."""
    query = beneficiaries_query(category=category, researcher_id=researcher_id, brief=brief)
    if brief:
        page = _page(query, Beneficiary.id, after, size)
        return Page(file_rows(page.rows), page.next_after)
    # The categories come in the same query (a join on the page's rows), not in a second round trip.
    return _page(query.options(joinedload(Beneficiary.categories)), Beneficiary.id, after, size)


def beneficiaries_query(category=None, researcher_id=None, brief=False):
    """The files list's rows, filtered; the list pages it, exports read it all. `brief`: plain rows of a
    `FileRow`'s columns, the researcher's name joined."""
    if brief:
        query = (sa.select(*_file_row_columns(researcher=True)).select_from(Beneficiary)
                 .outerjoin(User, User.id == Beneficiary.researcher_id))
    else:
        query = sa.select(Beneficiary).options(RESEARCHER_NAME)
    if category:
        query = query.where(sa.exists().where(BeneficiaryCategory.beneficiary_id == Beneficiary.id,
                                              BeneficiaryCategory.code == category))
    if researcher_id:
        query = query.where(Beneficiary.researcher_id == researcher_id)
    return query


# --- a file's and a request's own rows (pages show them whole) ------------------------------------

@functools.lru_cache(maxsize=1)
def _household_statement() -> sa.Select:
    return reused(sa.select(HouseholdMember).where(HouseholdMember.beneficiary_id == sa.bindparam("file_id"))
                  .order_by(HouseholdMember.id))


@functools.lru_cache(maxsize=1)
def _incomes_statement() -> sa.Select:
    return reused(sa.select(IncomeSource).where(IncomeSource.beneficiary_id == sa.bindparam("file_id"))
                  .order_by(IncomeSource.id))


def household_of(file_id: int) -> list:
    """The file's household members, in the order they were added (the statement is built once)."""
    return db.session.scalars(_household_statement(), {"file_id": file_id}).all()


def incomes_of(file_id: int) -> list:
    """The file's income sources, in the order they were added (the statement is built once)."""
    return db.session.scalars(_incomes_statement(), {"file_id": file_id}).all()


# --- work queues ---------------------------------------------------------------------------------

#: The queues of requests (the home page also shows the open referrals, whose full list is the inbox).
REQUEST_QUEUES = ("new", "documents", "ready", "decision", "to_serve", "not_notified")
#: The queues that are their requests' states, and those states.
QUEUE_STATES = {"new": (RequestState.received,), "documents": (RequestState.documents_pending,),
                "ready": (RequestState.declared,), "decision": (RequestState.under_review,),
                "to_serve": (RequestState.accepted, RequestState.registered)}


def queue(name: str, size: int = QUEUE_SIZE) -> tuple[list, int]:
    """(first rows, total) of one work queue, each counted and read alone: the requests (with their files)
    as the "see all" list's first page gives them, or the open referrals as the inbox lists them."""
    if name == "referrals":
        base = sa.select(Referral).where(Referral.answered_at.is_(None))
        rows = db.session.scalars(base.options(joinedload(Referral.beneficiary))
                                  .order_by(Referral.asked_at, Referral.id).limit(size)).unique().all()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(base.subquery()))
        return list(rows), total
    conditions, _keys = _queue_filter(name)
    total = db.session.scalar(sa.select(sa.func.count(SupportRequest.id)).where(*conditions))
    return list_requests(queue=name, size=size).rows, total


def queues(names: list[str], size: int = QUEUE_SIZE) -> list[tuple[list, int]]:
    """(first rows, total) of each work queue in `names`, in one query: the totals (one pass over the
    tenant's requests with a count per queue, the open referrals counted in a subquery), joined to the
    first rows of every queue (a UNION ALL of each queue's limited read of its index, in the queue's
    order) with their files' names.

    A row is a plain Row of what the page shows, not an entity: `id`, `reference`, `name` (the file's),
    `service`, `state`, `at` (received, or asked for a referral), `decision_due` and `question` (a
    referral's). The order within a queue is the "see all" list's (`list_requests(queue=…)`)."""
    from core.tenancy import current_scope

    if not names:
        return []
    rows = db.session.execute(_queues_statement(tuple(names), size), {"queue_tenant": current_scope().tenant_id},
                              execution_options=ONE_PLAN).all()
    total_of = dict(rows[0]._mapping) if rows else {}
    shown = {name: [] for name in names}
    for row in sorted((row for row in rows if row.queue is not None), key=lambda row: row.position):
        shown[row.queue].append(row)
    return [(shown[name], total_of.get(name) or 0) for name in names]


@functools.lru_cache(maxsize=64)
def _queues_statement(names: tuple[str, ...], size: int):
    """The statement of `queues`, built once per set of queues (one per combination of roles): building
    its dozen subqueries cost more than running it. The tenant is a parameter, `queue_tenant`, explicit in
    each part (the ORM scope and row-level security hold it too).

    On PostgreSQL one plan serves every run (`ONE_PLAN`: planning it was half its cost). Each part reads
    one tenant's index in a fixed order and count, whatever the tenant's size: the states and the number of
    rows are written into the text, and each row's file name is read by its key."""
    tenant_id = sa.bindparam("queue_tenant", type_=sa.Integer)
    request_queues = [name for name in names if name in REQUEST_QUEUES]
    # The queues of one state or two are counted per state, from an index alone ((tenant_id, state, …):
    # no table rows read), then summed per queue; the not-notified queue from its partial index. One pass
    # over the tenant's open requests with a count per queue read every row and cost three times as much
    # (bench/RESULTS.md).
    by_state = [name for name in request_queues if name in QUEUE_STATES]
    per_queue, columns = None, []
    if by_state:
        states = sorted({state for name in by_state for state in QUEUE_STATES[name]})
        per_state = (sa.select(SupportRequest.state, sa.func.count().label("n"))
                     .where(SupportRequest.tenant_id == tenant_id, SupportRequest.state.in_(_written_in(tuple(states))))
                     .group_by(SupportRequest.state).subquery("per_state"))
        per_queue = sa.select(*(sa.func.coalesce(sa.func.sum(per_state.c.n).filter(
            per_state.c.state.in_(QUEUE_STATES[name])), 0).label(name) for name in by_state)).subquery("by_state")
        columns = [per_queue.c[name] for name in by_state]
    for name in request_queues:
        if name not in QUEUE_STATES:
            columns.append(sa.select(sa.func.count(SupportRequest.id))
                           .where(SupportRequest.tenant_id == tenant_id, *_queue_filter(name)[0])
                           .scalar_subquery().label(name))
    if "referrals" in names:
        columns.append(sa.select(sa.func.count())  # from the open referrals' partial index alone
                       .where(Referral.tenant_id == tenant_id, Referral.answered_at.is_(None))
                       .scalar_subquery().label("referrals"))
    # A materialised CTE: counted once. As a subquery PostgreSQL put the count on the inner side of a nested
    # loop over the first rows and counted the tenant's requests again for each of them (35 × 1 ms).
    totals = sa.select(*columns)
    if per_queue is not None:
        totals = totals.select_from(per_queue)
    totals = totals.cte("totals").prefix_with("MATERIALIZED")

    parts = []
    for name in request_queues:
        conditions, keys = _queue_filter(name)
        order = _queue_order(keys)
        first = (sa.select(SupportRequest.id, SupportRequest.reference, SupportRequest.beneficiary_id,
                           SupportRequest.service, SupportRequest.state, SupportRequest.received_at.label("at"),
                           SupportRequest.decision_due,
                           sa.func.row_number().over(order_by=order).label("position"))
                 .where(SupportRequest.tenant_id == tenant_id, *conditions).order_by(*order).limit(_written_in(size))
                 .subquery())
        parts.append(sa.select(sa.literal(name).label("queue"), first.c.position, first.c.id, first.c.reference,
                               first.c.beneficiary_id, first.c.service, first.c.state, first.c.at,
                               first.c.decision_due, sa.cast(sa.null(), sa.Text).label("question")))
    if "referrals" in names:
        order = (Referral.asked_at, Referral.id)
        first = (sa.select(Referral.id, Referral.beneficiary_id, Referral.asked_at, Referral.question,
                           sa.func.row_number().over(order_by=order).label("position"))
                 .where(Referral.tenant_id == tenant_id, Referral.answered_at.is_(None))
                 .order_by(*order).limit(_written_in(size)).subquery())
        parts.append(sa.select(sa.literal("referrals").label("queue"), first.c.position, first.c.id,
                               sa.cast(sa.null(), sa.String).label("reference"), first.c.beneficiary_id,
                               sa.cast(sa.null(), sa.String).label("service"),
                               sa.cast(sa.null(), sa.String).label("state"), first.c.asked_at.label("at"),
                               sa.cast(sa.null(), sa.Date).label("decision_due"), first.c.question))
    firsts = (sa.union_all(*parts) if len(parts) > 1 else parts[0]).subquery("firsts")
    # Each row's file name by its key: a join let a plan made once for every tenant (a prepared statement's
    # generic plan) hash all the tenant's files for these few rows.
    name = (sa.select(Beneficiary.name)
            .where(Beneficiary.tenant_id == tenant_id, Beneficiary.id == firsts.c.beneficiary_id)
            .scalar_subquery().label("name"))
    statement = (sa.select(totals, firsts.c.queue, firsts.c.position, firsts.c.id, firsts.c.reference,
                           name, firsts.c.service, firsts.c.state, firsts.c.at, firsts.c.decision_due,
                           firsts.c.question)
                 .select_from(totals.outerjoin(firsts, sa.true())))
    return reused(statement)


def _queue_filter(name: str) -> tuple[list, tuple]:
    """A queue's conditions and its order: the sort key, then the id (ties in a stable order, for the
    "see all" list's pages)."""
    state = SupportRequest.state
    if name in ("new", "documents", "ready"):
        return [state == _written_in(QUEUE_STATES[name][0])], (SupportRequest.received_at, SupportRequest.id)
    if name == "decision":
        # Overdue first, then by due date: the earliest due date is the most urgent either way.
        return [state == _written_in(QUEUE_STATES[name][0])], (SupportRequest.decision_due, SupportRequest.id)
    if name == "to_serve":
        return [state.in_(_written_in(QUEUE_STATES[name]))], (SupportRequest.decided_at, SupportRequest.id)
    if name == "not_notified":
        # Told: staff recorded it, or the decision's message was delivered (which records it too).
        return ([SupportRequest.decided_at.is_not(None), SupportRequest.decision_notified_at.is_(None)],
                (SupportRequest.decided_at, SupportRequest.id))
    raise ValueError(name)


def _written_in(value):
    """A queue's state (or states) written into its statement's text, not passed as a parameter: the text
    stays the same on every run (the queue's states are fixed), so PostgreSQL may keep one plan for it, and
    that plan can use the indexes whose predicate names the states (a parameter's value is unknown then)."""
    if isinstance(value, tuple):
        return sa.bindparam(None, [str(v) for v in value], expanding=True, literal_execute=True)
    if isinstance(value, int):
        return sa.bindparam(None, value, type_=sa.Integer, literal_execute=True)
    return sa.bindparam(None, str(value), literal_execute=True)


def _nullable(column) -> bool:
    return column.property.columns[0].nullable


def _queue_order(keys) -> list:
    """Ascending, a missing date last on every database (PostgreSQL's default; SQLite's is first)."""
    return [key.asc().nulls_last() if _nullable(key) else key.asc() for key in keys]


def _queue_page(query, name: str, after: int | None, size: int) -> Page:
    """Keyset pagination in a queue's order: `after` is the last id of the previous page, whose sort key
    is read back (one small query, on the second page and after)."""
    conditions, (key, id_column) = _queue_filter(name)
    query = query.where(*conditions)
    if after:
        last = db.session.execute(sa.select(key, id_column).where(id_column == after)).first()
        if last is not None:
            value, last_id = last
            if value is None:  # among the rows without a date, which come last
                query = query.where(key.is_(None), id_column > last_id)
            else:
                later = sa.tuple_(key, id_column) > sa.tuple_(value, last_id)
                query = query.where(sa.or_(later, key.is_(None)) if _nullable(key) else later)
    rows = _rows(query.order_by(*_queue_order((key, id_column))).limit(size + 1).execution_options(**PLAN_EACH_RUN))
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].id if more and rows else None)


# --- search --------------------------------------------------------------------------------------

@dataclass
class SearchResult:
    kind: str  # file_number | reference | national_id | mobile | name
    beneficiaries: list
    requests: list


def search(text: str, size: int = PAGE_SIZE) -> SearchResult:
    """Guess what was typed: a reference (2026-00042), an ID number, a mobile, a file number, or a name."""
    value = normalise(text).replace(" ", "") if text else ""
    # A result row shows the file number, the name, the mobile and the categories: plain rows of those.
    query = sa.select(*_file_row_columns(researcher=False)).order_by(Beneficiary.id.desc())
    if REFERENCE_RE.match(value):
        year, number = value.split("-")
        reference = f"{year}-{int(number):05d}"
        requests = db.session.scalars(_requests().where(SupportRequest.reference == reference)).unique().all()
        return SearchResult("reference", [], list(requests))
    if value.isdigit() and len(value) == 10 and is_national_id(value):
        rows = db.session.execute(query.where(Beneficiary.national_id == value)).all()
        return SearchResult("national_id", file_rows(rows), [])
    if value.startswith(("+", "05", "9665", "009665")):
        try:
            mobile = clean_mobile(value)
        except IdentityError:
            mobile = None
        if mobile:
            rows = db.session.execute(query.where(Beneficiary.mobile == mobile).limit(size)).all()
            return SearchResult("mobile", file_rows(rows), [])
    if value.isdigit() and len(value) <= 9:
        rows = db.session.execute(query.where(Beneficiary.file_number == int(value))).all()
        return SearchResult("file_number", file_rows(rows), [])
    found = name_query(text, size)
    rows = db.session.execute(found[0], found[1], execution_options=PLAN_EACH_RUN).all() if found else []
    return SearchResult("name", file_rows(rows), [])


MAX_NAME_WORDS = 6


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def name_query(text: str, size: int) -> tuple[sa.Select, dict] | None:
    """(statement, parameters) of the files whose names hold every typed word at the start of one of their
    words, in any order, with or without its article («قحطاني» finds «القحطاني», "zahrani" finds
    "Al-Zahrani"); exact names first, then names where every typed word is a whole word, then prefixes; newest
    first within each. One query whatever the number of files. None when too little was typed.

    The statement is built once for each shape (how many words, how many forms each) and the words are its
    parameters: building it cost as much as running it."""
    words = [w for w in name_words(text) if w][:MAX_NAME_WORDS]
    if not words or sum(len(w) for w in words) < 2:
        return None
    forms = [article_forms(word) for word in words]
    params = {"name_exact": name_key(text)}
    for i, (word, word_forms) in enumerate(zip(words, forms, strict=True)):
        params[f"w{i}"] = f"%{_like(word)}%"
        for j, form in enumerate(word_forms):
            params.update({f"w{i}f{j}": form, f"w{i}f{j}_start": f"% {_like(form)}%",
                           f"w{i}f{j}_whole": f"% {_like(form)} %"})
    postgres = db.session.get_bind().dialect.name == "postgresql"
    if postgres:
        from core.tenancy import current_scope

        params["name_tenant"] = current_scope().tenant_id
    return _name_statement(tuple(len(f) for f in forms), size, postgres), params


@functools.lru_cache(maxsize=64)
def _name_statement(shape: tuple[int, ...], size: int, postgres: bool) -> sa.Select:
    """See `name_query`. Each word is also a plain `LIKE '%word%'`, which PostgreSQL's trigram index could
    answer and the word-start tests recheck; on PostgreSQL the files come from their names' words instead
    (`_files_with_a_word_starting`)."""
    padded = sa.literal(" ") + Beneficiary.name_search
    both = padded + sa.literal(" ")
    matches, whole, candidates = [], [], []
    for i, count in enumerate(shape):
        def param(suffix, i=i):
            return sa.bindparam(f"w{i}{suffix}", type_=sa.String)

        matches.append(Beneficiary.name_search.like(param(""), escape="\\"))
        matches.append(sa.or_(*(padded.like(param(f"f{j}_start"), escape="\\") for j in range(count))))
        whole.append(sa.or_(*(both.like(param(f"f{j}_whole"), escape="\\") for j in range(count))))
        candidates.append(_files_with_a_word_starting([param(f"f{j}") for j in range(count)]))
    rank = sa.case((Beneficiary.name_search == sa.bindparam("name_exact", type_=sa.String), 0),
                   (sa.and_(*whole), 1), else_=2)
    if postgres:
        # The same test, read from the names' words instead of testing each name of the association, as an
        # array read first: then the files are read by their keys (as a subquery, PostgreSQL read every file
        # of the association to join them, not knowing how few the words would leave).
        found = sa.intersect(*candidates) if len(candidates) > 1 else candidates[0]
        matches = [Beneficiary.id == sa.any_(sa.func.array(found.scalar_subquery()))]
    return reused(sa.select(*_file_row_columns(researcher=False)).where(*matches)
                  .order_by(rank, Beneficiary.id.desc()).limit(size))


#: PostgreSQL only (migration a3d7e1f9c254): each word of each file's normalised name, kept by a trigger.
NAME_WORDS = sa.table("beneficiary_name_words", sa.column("tenant_id"), sa.column("word"),
                      sa.column("beneficiary_id"))


def _files_with_a_word_starting(forms: list):
    """The files of the association one of whose name's words starts with one of `forms` (a typed word,
    bare and after the article): a range of the words' index for each. Without these candidates, every name
    of the association was tested (2.6 ms of PostgreSQL at 10,000 files, growing with them): row-level
    security lets PostgreSQL use an index only for leakproof tests, which `LIKE` and the trigram and
    text-search operators are not, and which the prefix test `^@` is."""
    # One read per form (an OR of them was tested on every word of the association instead).
    return sa.union_all(*(sa.select(NAME_WORDS.c.beneficiary_id)
                          .where(NAME_WORDS.c.tenant_id == sa.bindparam("name_tenant", type_=sa.Integer),
                                 NAME_WORDS.c.word.op("^@")(form))
                          for form in forms))

