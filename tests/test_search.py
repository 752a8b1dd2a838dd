"""Search by file number, reference, ID (POST only), mobile and Arabic-normalised name; lists and their cost."""
import pytest
import sqlalchemy as sa
from sqlalchemy import event

from core.beneficiaries.models import Beneficiary, BeneficiaryCategory
from core.extensions import db
from core.models import AuditEntry
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, post_form
from tests.test_staff_helpers import open_file, open_request, staff_client, version_of


@pytest.fixture
def officer(app, tenant_a):
    client = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    open_file(client, "alpha", name="أحمد بن سعيد", national_id="1058529940", mobile="0501234567")
    open_file(client, "alpha", name="فاطمة الزهراء", national_id="1001244019", mobile="0551112222")
    return client


def _search(client, q, lang="ar"):
    response = post_form(client, f"/alpha/staff/search?lang={lang}", {"q": q})
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("typed, found", [
    ("احمد", "أحمد بن سعيد"),
    ("أحمد", "أحمد بن سعيد"),
    ("اَحْمَد", "أحمد بن سعيد"),
    ("سعيد", "أحمد بن سعيد"),
    ("فاطمه", "فاطمة الزهراء"),
    ("الزهراء", "فاطمة الزهراء"),
    ("فـاطـمة", "فاطمة الزهراء"),
])
def test_names_are_found_however_they_are_typed(officer, typed, found):
    html = _search(officer, typed)
    assert found in html
    other = "فاطمة الزهراء" if found.startswith("أحمد") else "أحمد بن سعيد"
    assert other not in html


def test_search_by_id_mobile_and_file_number(officer):
    assert "فاطمة الزهراء" in _search(officer, "1001244019")
    assert "فاطمة الزهراء" in _search(officer, "١٠٠١٢٤٤٠١٩")
    assert "فاطمة الزهراء" in _search(officer, "+966551112222")
    assert "أحمد بن سعيد" in _search(officer, "0501234567")
    html = _search(officer, "2")
    assert "فاطمة الزهراء" in html and "أحمد بن سعيد" not in html
    assert "Nothing found." in _search(officer, "1058529941", lang="en")


def test_search_by_request_reference(app, officer):
    with app_ctx(app), cross_tenant_scope():
        file_id = db.session.scalar(sa.select(Beneficiary.id).where(Beneficiary.file_number == 2))
    request_id = open_request(officer, "alpha", file_id, "phone")
    page = officer.get(f"/alpha/staff/requests/{request_id}").get_data(as_text=True)
    reference = page.split('class="reference">')[1].split("<")[0]
    html = _search(officer, reference)
    assert f"/alpha/staff/requests/{request_id}" in html


def test_an_id_number_never_goes_in_a_url_and_the_search_is_audited(app, officer):
    page = officer.get("/alpha/staff/search").get_data(as_text=True)
    assert 'method="post"' in page
    html = _search(officer, "1001244019")
    assert "فاطمة الزهراء" in html and "1001244019" not in html.split("<main")[0]
    # A search put in a URL by hand finds nothing: only the POST searches.
    assert "فاطمة الزهراء" not in officer.get("/alpha/staff/search?q=1001244019").get_data(as_text=True)
    with app_ctx(app), cross_tenant_scope():
        entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "beneficiary.search")).first()
        assert entry.after == {"by": "national_id", "found": 1}


class QueryCounter:
    def __init__(self, engine):
        self.engine, self.count = engine, 0

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, *args, **kwargs):
        self.count += 1
        self.statements = getattr(self, "statements", []) + [statement[:150]]


def _make_files(app, how_many, start):
    from core import tenants
    from core.beneficiaries.models import BeneficiaryCategory
    from core.identity import id_check_digit_ok
    from core.tenancy import tenant_scope

    with app_ctx(app):
        with cross_tenant_scope():
            tenant = tenants.by_slug("alpha")
        with tenant_scope(tenant):
            number = start
            made = 0
            candidate = 1100000000 + start * 10
            while made < how_many:
                candidate += 1
                national_id = str(candidate)
                if not id_check_digit_ok(national_id):
                    continue
                number += 1
                made += 1
                db.session.add(Beneficiary(file_number=number + 100, name=f"مستفيد {number}",
                                           name_search=f"مستفيد {number}", national_id=national_id,
                                           gender="male", categories=[BeneficiaryCategory(code="widow")]))
            db.session.commit()


def _queries(app, client, url):
    with app.app_context():
        engine = db.engine
    with QueryCounter(engine) as counter:
        response = client.get(url)
        assert response.status_code == 200
    return counter.count, response.get_data(as_text=True), counter.statements


@pytest.mark.parametrize("url", ["/alpha/staff/beneficiaries", "/alpha/staff/beneficiaries?category=widow",
                                 "/alpha/staff/requests", "/alpha/staff/"])
def test_list_pages_run_the_same_number_of_queries_for_5_or_50_rows(app, officer, url):
    _make_files(app, 3, 0)
    with app_ctx(app), cross_tenant_scope():
        ids = db.session.scalars(sa.select(Beneficiary.id).order_by(Beneficiary.id)).all()
    for file_id in ids[:2]:
        open_request(officer, "alpha", file_id, "phone")
    few, _, before = _queries(app, officer, url)
    _make_files(app, 60, 10)
    with app_ctx(app), cross_tenant_scope():
        ids = db.session.scalars(sa.select(Beneficiary.id).order_by(Beneficiary.id)).all()
    for file_id in ids[2:30]:
        open_request(officer, "alpha", file_id, "phone")
    many, _, after = _queries(app, officer, url)
    assert many == few, [s for s in after if s not in before]


def test_lists_are_paginated_by_keyset(app, officer):
    _make_files(app, 60, 10)
    first = officer.get("/alpha/staff/beneficiaries").get_data(as_text=True)
    assert first.count("/alpha/staff/beneficiaries/") >= 50
    next_link = first.split('class="btn btn-outline-secondary next-page" href="')[1].split('"')[0]
    second = officer.get(next_link.replace("&amp;", "&")).get_data(as_text=True)
    assert "أحمد بن سعيد" in second  # the oldest files are on the last page
    assert "next-page" not in second


def test_the_files_list_and_the_search_show_each_files_categories_and_researcher(app, officer, tenant_b):
    """Both lists read plain rows with the categories as one joined column: every category of the row's
    own file, in order, and none of a file of another association with the same categories."""
    from core.models import User
    from core.tenancy import tenant_scope
    from tests.helpers import make_user

    make_user(app, "researcher@alpha.test", {"alpha": ["social_researcher"]})
    beta = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    open_file(beta, "beta", name="سلمى عبدالله", categories=["orphan", "elderly"])
    with app_ctx(app), cross_tenant_scope():
        researcher = db.session.scalar(sa.select(User).where(User.email == "researcher@alpha.test"))
        file = db.session.scalar(sa.select(Beneficiary).where(Beneficiary.name == "فاطمة الزهراء"))
        alpha_id = file.tenant_id
    with app_ctx(app), tenant_scope(alpha_id):
        file = db.session.get(Beneficiary, file.id)
        file.researcher_id = researcher.id
        file.categories = [BeneficiaryCategory(code="widow"), BeneficiaryCategory(code="disability")]
        db.session.commit()

    def row_of(html, name):
        return html[html.index(name):].split("</tr>")[0]

    listed = row_of(officer.get("/alpha/staff/beneficiaries").get_data(as_text=True), "فاطمة الزهراء")
    assert "ذوو الإعاقة، الأرامل" in listed  # by code: disability, then widow; the Arabic comma
    assert researcher.name in listed and "الأيتام" not in listed
    other = row_of(officer.get("/alpha/staff/beneficiaries").get_data(as_text=True), "أحمد بن سعيد")
    assert "الأسر ذات الدخل المحدود" in other and "الأرامل" not in other and researcher.name not in other
    found = row_of(_search(officer, "الزهراء"), "فاطمة الزهراء")
    assert "ذوو الإعاقة" in found and "الأرامل" in found and "الأيتام" not in found


def test_the_lists_researcher_filter_offers_this_associations_researchers_as_they_are_now(app, officer, tenant_b):
    """The filter's statement is built once per process; what it offers is read on every page."""
    from tests.helpers import make_user

    def offered(path):
        page = officer.get(path).get_data(as_text=True)
        return page[page.index('id="researcher"'):].split("</select>")[0]

    make_user(app, "huda@alpha.test", {"alpha": ["social_researcher"]})
    make_user(app, "nawal@beta.test", {"beta": ["social_researcher"]})
    for path in ("/alpha/staff/beneficiaries", "/alpha/staff/requests"):
        assert ">huda<" in offered(path) and ">nawal<" not in offered(path)
    make_user(app, "reem@alpha.test", {"alpha": ["social_researcher"]})
    assert ">reem<" in offered("/alpha/staff/beneficiaries") and ">huda<" in offered("/alpha/staff/requests")


# --- names are found by their words (on PostgreSQL, the words table its trigger keeps) ------------------

def _edit_name(client, file_id, name):
    page = f"/alpha/staff/beneficiaries/{file_id}/edit"
    response = post_form(client, page, {"name": name, "national_id": "1058529940", "nationality": "SA",
                                        "gender": "male", "mobile": "0501234567",
                                        "version": version_of(client, page)})
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]


def test_a_renamed_file_is_found_by_its_new_name_only(app, officer):
    with app_ctx(app), cross_tenant_scope():
        file_id = db.session.scalar(sa.select(Beneficiary.id).where(Beneficiary.national_id == "1058529940"))
    _edit_name(officer, file_id, "نورة عبدالرحمن القحطاني")
    assert "نورة عبدالرحمن القحطاني" in _search(officer, "قحطاني نوره")  # any order, without the article
    assert "نورة عبدالرحمن القحطاني" in _search(officer, "عبدالر")
    assert "Nothing found." in _search(officer, "سعيد", lang="en")


def test_every_typed_word_must_start_a_word_of_the_name(officer):
    assert "Nothing found." in _search(officer, "أحمد الزهراء", lang="en")  # each is in a different file
    assert "Nothing found." in _search(officer, "حمد", lang="en")  # inside a word, not at its start
    assert "أحمد بن سعيد" in _search(officer, "سعي احم")


def test_a_name_search_finds_this_associations_files_only(app, officer, tenant_b):
    other = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    open_file(other, "beta", name="أحمد بن سعيد الآخر", national_id="1058529940")
    html = _search(officer, "أحمد سعيد")
    assert "أحمد بن سعيد" in html and "الآخر" not in html
    assert "الآخر" in post_form(other, "/beta/staff/search", {"q": "أحمد سعيد"}).get_data(as_text=True)



def test_the_lists_rows_escape_what_was_typed(app, officer):
    """The rows of the files list, the work queues, the requests list and the search are made in Python
    (blueprints/staff/rows.py): a name is shown as text, never as markup."""
    hostile = "سعيد <script>alert(1)</script> & «ابن»"
    file_id = open_file(officer, "alpha", name=hostile, national_id="1000000008", mobile="0561234567")
    open_request(officer, "alpha", file_id, "phone")
    for html in (officer.get("/alpha/staff/beneficiaries").get_data(as_text=True),
                 officer.get("/alpha/staff/").get_data(as_text=True),
                 officer.get("/alpha/staff/requests").get_data(as_text=True), _search(officer, "سعيد")):
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; «ابن»" in html
