"""The file's timeline: filtered by contacts, state changes, documents or messages; the day said once as
a heading, not on every line; numbers inside the lines isolated and kept on one line."""
import re

from core.bidi import isolated, num
from tests.helpers import post_form
from tests.test_staff_helpers import act, open_file, open_request, staff_client

SLUG = "alpha"


def _kinds(page: str) -> list[str]:
    timeline = page.split('id="timeline"')[1].split("</section>")[0]
    return re.findall(r'class="border-start [^"]*kind-(\w+)"', timeline)


def _file_with_history(app, tenant_a):
    officer = staff_client(app, "officer@alpha.test", SLUG, ["relations_officer"])
    file_id = open_file(officer, SLUG, email="ahmad@example.com")
    request_id = open_request(officer, SLUG, file_id, "phone")
    act(officer, SLUG, request_id, "check_documents")
    response = post_form(officer, f"/{SLUG}/staff/beneficiaries/{file_id}/contacts",
                         {"channel": "phone", "direction": "in", "summary": "اتصل يسأل عن موعد القرار 24-45-8"},
                         form_page=f"/{SLUG}/staff/beneficiaries/{file_id}")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return officer, file_id


def test_the_timeline_shows_only_what_is_chosen(app, tenant_a):
    officer, file_id = _file_with_history(app, tenant_a)
    url = f"/{SLUG}/staff/beneficiaries/{file_id}"
    everything = _kinds(officer.get(url).get_data(as_text=True))
    assert {"contact", "state", "message"} <= set(everything)
    for choice, kind in (("contacts", "contact"), ("states", "state"), ("messages", "message")):
        shown = _kinds(officer.get(f"{url}?timeline={choice}").get_data(as_text=True))
        assert shown and set(shown) == {kind}, (choice, shown)
        assert len(shown) == everything.count(kind)
    assert _kinds(officer.get(f"{url}?timeline=documents").get_data(as_text=True)) == []
    assert _kinds(officer.get(f"{url}?timeline=<script>").get_data(as_text=True)) == everything


def test_a_line_says_neither_the_day_nor_a_lone_request_again(app, tenant_a):
    officer, file_id = _file_with_history(app, tenant_a)
    page = officer.get(f"/{SLUG}/staff/beneficiaries/{file_id}").get_data(as_text=True)
    timeline = page.split('id="timeline"')[1].split("</section>")[0]
    assert len(_kinds(page)) >= 4
    assert timeline.count('class="date-g"') == 1  # one day, one heading
    assert "/staff/requests/" not in timeline  # the file's only request is not repeated on every line
    assert '<bdi dir="ltr" class="num">24-45-8</bdi>' in timeline


def test_with_two_requests_each_line_names_its_own_request(app, tenant_a):
    officer, file_id = _file_with_history(app, tenant_a)
    second = open_request(officer, SLUG, file_id, "interview", service="in_kind_aid")
    page = officer.get(f"/{SLUG}/staff/beneficiaries/{file_id}").get_data(as_text=True)
    timeline = page.split('id="timeline"')[1].split("</section>")[0]
    linked = re.findall(r'href="/alpha/staff/requests/(\d+)"><bdi dir="ltr" class="num">(\d{4}-\d+)</bdi>', timeline)
    references = dict(re.findall(r'href="/alpha/staff/requests/(\d+)"><bdi dir="ltr">(\d{4}-\d+)</bdi>', page))
    assert len(references) == 2 and str(second) in references
    assert {request_id for request_id, _ in linked} == set(references)
    assert all(references[request_id] == reference for request_id, reference in linked)


def test_numbers_in_plain_text_are_isolated_and_the_rest_escaped():
    assert str(isolated("تم استلام طلبكم رقم \u20662026-00001\u2069")) == \
        'تم استلام طلبكم رقم <bdi dir="ltr" class="num">2026-00001</bdi>'
    assert str(isolated("محضر الاجتماع ٢٤-٤٥-٨ <b>")) == \
        'محضر الاجتماع <bdi dir="ltr" class="num">٢٤-٤٥-٨</bdi> &lt;b&gt;'
    assert str(isolated("مبلغ 1,500.00 ريال")) == 'مبلغ <bdi dir="ltr" class="num">1,500.00</bdi> ريال'
    assert str(isolated("عمر 42 سنة")) == "عمر 42 سنة"  # a lone number needs no isolating
    assert str(num("<x>")) == '<bdi dir="ltr" class="num">&lt;x&gt;</bdi>' and str(num(None)) == ""


def test_messages_and_flashes_keep_references_on_one_line(app, tenant_a):
    officer, file_id = _file_with_history(app, tenant_a)
    page = officer.get(f"/{SLUG}/staff/beneficiaries/{file_id}").get_data(as_text=True)
    messages = page.split('id="messages"')[1].split("</section>")[0]
    assert re.search(r'<bdi dir="ltr" class="num">\d{4}-\d{5}</bdi>', messages)
    assert "\u2066" not in messages  # every isolate became an element that also keeps it on one line
    response = post_form(officer, f"/{SLUG}/staff/beneficiaries/{file_id}/requests/new",
                         {"channel": "phone", "service": "financial_aid"}, follow_redirects=True)
    flashes = response.get_data(as_text=True).split('id="main"')[1].split("</div>")[0]
    assert re.search(r'<bdi dir="ltr" class="num">\d{4}-\d{5}</bdi>', flashes) and "\u2066" not in flashes


def test_markup_is_left_as_it_is():
    from markupsafe import Markup

    assert isolated(Markup("<b>2026-00001</b>")) == Markup("<b>2026-00001</b>")
