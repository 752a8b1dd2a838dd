"""Name search (issue 8, defect 5): every typed word anywhere in the name, in any order, Arabic spelling
variants, «عبد الله» joined or not, the article, word beginnings; exact names first; the name links to the file."""
import re

import pytest
import sqlalchemy as sa

from core.arabic import name_key, name_words
from core.beneficiaries.models import Beneficiary
from core.extensions import db
from core.identity import id_check_digit_ok
from core.tenancy import cross_tenant_scope
from tests.helpers import app_ctx, post_form
from tests.test_search import QueryCounter, _make_files
from tests.test_staff_helpers import open_file, staff_client


def _ids(count, start=1010000000):
    found, candidate = [], start
    while len(found) < count:
        candidate += 1
        if id_check_digit_ok(str(candidate)):
            found.append(str(candidate))
    return found


NAMES = ["أحمد بن عبدالله القحطاني", "Omar Khalid Al-Zahrani", "فاطمة عبد الرحمن الزهراني",
         "أحمد القحطاني", "سارة أحمدي", "عبدالعزيز محمد الشمري"]


@pytest.fixture
def officer(app, tenant_a):
    client = staff_client(app, "officer@alpha.test", "alpha", ["relations_officer"])
    for name, national_id in zip(NAMES, _ids(len(NAMES)), strict=True):
        open_file(client, "alpha", name=name, national_id=national_id, mobile="0501234567")
    return client


def _found(client, q):
    """The names on the result page, in their order."""
    response = post_form(client, "/alpha/staff/search?lang=ar", {"q": q})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return re.findall(r'<a class="file-name" href="/alpha/staff/beneficiaries/\d+">([^<]+)</a>', html)


# --- the key stored and the words searched ---------------------------------------------------------

@pytest.mark.parametrize("typed, key", [
    ("أحمد بن عبدالله القحطاني", "احمد بن عبدالله القحطاني"),
    ("أحمد بن عبد الله القحطاني", "احمد بن عبدالله القحطاني"),
    ("عبـد الرَّحمن", "عبدالرحمن"),
    ("Omar Khalid Al-Zahrani", "omar khalid alzahrani"),
    ("omar  al zahrani", "omar alzahrani"),
    ("مكّة المكرّمة", "مكه المكرمه"),
    ("إيمان آل سعود", "ايمان ال سعود"),  # «آل» (family), not the article: kept a word of its own
    ("ليلى مؤمن", "ليلي مومن"),
])
def test_name_key(typed, key):
    assert name_key(typed) == key


def test_search_words_drop_the_article_and_repeats():
    assert name_words("القحطاني أحمد احمد") == ["قحطاني", "احمد"]
    assert name_words("Al-Zahrani") == ["zahrani"]
    assert name_words("عبد الله") == ["عبدالله"]
    assert name_words("ال") == ["ال"]  # too short to be an article


# --- through the search page --------------------------------------------------------------------

@pytest.mark.parametrize("typed", [
    "أحمد القحطاني", "القحطاني أحمد", "قحطاني", "قحطان", "عبد الله", "عبدالله", "اَحْمَد عبد اللّه", "احمد بن",
    "أحمد   القحطانـي", "احمد عبد",
])
def test_every_typed_word_anywhere_in_the_name(officer, typed):
    assert "أحمد بن عبدالله القحطاني" in _found(officer, typed)


@pytest.mark.parametrize("typed", ["zahrani", "Zahrani", "al-zahrani", "AL ZAHRANI", "alzahrani", "omar zah",
                                   "Khalid Omar"])
def test_latin_names(officer, typed):
    assert _found(officer, typed) == ["Omar Khalid Al-Zahrani"]


def test_abd_al_written_apart_finds_it_written_together_and_back(officer):
    assert _found(officer, "عبدالرحمن") == ["فاطمة عبد الرحمن الزهراني"]
    assert _found(officer, "عبد الرحمن الزهراني") == ["فاطمة عبد الرحمن الزهراني"]
    assert "عبدالعزيز محمد الشمري" in _found(officer, "عبد العزيز")


def test_words_match_at_their_beginning_only(officer):
    # «حمد» is inside «أحمد» and «محمد» but begins no word: nothing.
    assert _found(officer, "حمد") == []
    assert _found(officer, "hrani") == []
    # every word must match: «أحمد الشمري» is nobody.
    assert _found(officer, "أحمد الشمري") == []


def test_exact_names_first_then_whole_words_then_beginnings(officer):
    found = _found(officer, "أحمد القحطاني")
    # exact first, then the name holding both whole words; «سارة أحمدي» has no «القحطاني».
    assert found == ["أحمد القحطاني", "أحمد بن عبدالله القحطاني"]
    found = _found(officer, "احمد")
    assert found[-1] == "سارة أحمدي"  # a word beginning ranks after whole words
    assert set(found[:-1]) == {"أحمد القحطاني", "أحمد بن عبدالله القحطاني"}


def test_wildcards_and_punctuation_typed_match_nothing_by_themselves(officer):
    assert _found(officer, "%") == []
    assert _found(officer, "_ـ_") == []
    assert _found(officer, "أحمد %") == _found(officer, "أحمد")


def test_the_name_links_to_the_file(app, officer):
    response = post_form(officer, "/alpha/staff/search?lang=ar", {"q": "zahrani"})
    with app_ctx(app), cross_tenant_scope():
        file_id = db.session.scalar(sa.select(Beneficiary.id).where(Beneficiary.name == "Omar Khalid Al-Zahrani"))
    assert (f'<a class="file-name" href="/alpha/staff/beneficiaries/{file_id}">Omar Khalid Al-Zahrani</a>'
            in response.get_data(as_text=True))


def test_another_association_does_not_find_these_names(app, officer, tenant_b):
    other = staff_client(app, "officer@beta.test", "beta", ["relations_officer"])
    html = post_form(other, "/beta/staff/search?lang=en", {"q": "القحطاني"}).get_data(as_text=True)
    assert "Nothing found." in html and "file-name" not in html


def test_a_name_search_runs_the_same_queries_for_few_or_many_files(app, officer):
    def count():
        with app.app_context():
            engine = db.engine
        with QueryCounter(engine) as counter:
            assert post_form(officer, "/alpha/staff/search", {"q": "مستفيد 1"}).status_code == 200
        return counter.count

    _make_files(app, 3, 0)
    few = count()
    _make_files(app, 60, 10)
    assert count() == few
