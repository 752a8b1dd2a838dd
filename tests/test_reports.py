"""The dashboard: figures that match a constructed set of requests, Gregorian and Hijri months, the PDF."""
import subprocess
from datetime import UTC, date, datetime, timedelta

import pytest

from core.beneficiaries.models import Beneficiary
from core.calendar import from_hijri
from core.extensions import db
from core.tenancy import tenant_scope
from core.workflow.models import SupportRequest
from tests.helpers import app_ctx
from tests.test_staff_helpers import staff_client


def utc(*parts):
    return datetime(*parts, tzinfo=UTC)


def _requests(app, tenant_id, rows):
    """rows: (received_at, channel, state, sent_at, due, decided_at)."""
    with app_ctx(app), tenant_scope(tenant_id):
        b = Beneficiary(file_number=1, name="مستفيد", name_search="مستفيد", national_id="1058529940", gender="male")
        db.session.add(b)
        db.session.flush()
        for n, (received, channel, state, sent, due, decided) in enumerate(rows, start=1):
            db.session.add(SupportRequest(reference=f"2026-{n:05d}", beneficiary_id=b.id, state=state, channel=channel,
                                          service="financial_aid", received_at=received, sent_to_review_at=sent,
                                          decision_due=due, decided_at=decided))
        db.session.commit()


DATA = [
    (utc(2026, 1, 10, 9), "phone", "closed", utc(2026, 1, 12, 9), date(2026, 1, 26), utc(2026, 1, 20, 9)),
    (utc(2026, 1, 15, 9), "phone", "rejected", utc(2026, 1, 16, 9), date(2026, 1, 30), utc(2026, 2, 5, 9)),
    (utc(2026, 2, 3, 9), "interview", "under_review", utc(2026, 2, 4, 9), date(2026, 2, 18), None),
    (utc(2026, 2, 20, 9), "interview", "received", None, None, None),
    # 00:30 on 1 January in Riyadh: a January request, though still 31 December in UTC.
    (utc(2025, 12, 31, 21, 30), "phone", "received", None, None, None),
    (utc(2025, 11, 10, 9), "phone", "received", None, None, None),  # before the period
]


@pytest.fixture
def director(app, tenant_a):
    return staff_client(app, "director@alpha.test", "alpha", ["executive_director"])


def _table(html, key):
    """{row label: [values]} of the table under one chart."""
    section = html.split(f'id="figure-{key}"')[1].split("</section>")[0]
    body = section.split("<tbody>")[1].split("</tbody>")[0]
    rows = {}
    for row in body.split("<tr>")[1:]:
        label = row.split('class="fw-normal">')[1].split("<")[0]
        rows[label] = [int(cell.split(">")[1]) for cell in row.split('<td dir="ltr" class="text-end"')[1:]
                       for cell in [cell.split("</td>")[0]]]
    return rows


def test_dashboard_figures_match_the_constructed_requests(app, tenant_a, director):
    _requests(app, tenant_a, DATA)
    response = director.get("/alpha/staff/reports?from=2026-01&to=2026-02&lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert _table(html, "by_state") == {"Received": [2], "Under review": [1], "Rejected": [1], "Closed": [1]}
    assert _table(html, "by_channel") == {"Phone calls": [3], "Interview": [2]}
    assert _table(html, "by_month") == {"January 2026": [3], "February 2026": [2]}
    assert _table(html, "deadline") == {"January 2026": [1, 1], "February 2026": [0, 0]}
    summary = html.split('class="row row-cols-2')[1].split("</div>\n{% for")[0]
    for label, value in (("Received", "5"), ("Decided requests", "2"), ("Decided within the deadline", "50.0%"),
                         ("Average days from sending to decision", "14.0"), ("Overdue now", "1")):
        assert f'{label}</div><div class="fs-4 fw-bold" dir="ltr">{value}</div>' in summary, label


def test_hijri_months_count_from_the_first_of_the_umm_al_qura_month(app, tenant_a, director):
    start, next_start = from_hijri(1447, 8, 1), from_hijri(1447, 9, 1)

    def at(day):  # 09:00 in Riyadh
        return datetime(day.year, day.month, day.day, 6, tzinfo=UTC)

    _requests(app, tenant_a, [(at(d), "phone", "received", None, None, None) for d in
                              (start - timedelta(days=1), start, next_start - timedelta(days=1), next_start)])
    html = director.get("/alpha/staff/reports?calendar=hijri&from=1447-08&to=1447-08&lang=en").get_data(as_text=True)
    assert _table(html, "by_month") == {"Sha&#39;ban 1447": [2]}
    arabic_digits = director.get("/alpha/staff/reports?calendar=hijri&from=١٤٤٧-٠٨&to=١٤٤٧-٠٩&lang=en")
    assert _table(arabic_digits.get_data(as_text=True), "by_month") == {"Sha&#39;ban 1447": [2], "Ramadan 1447": [1]}


@pytest.mark.parametrize("query, field", [("from=2026-13", "from"), ("from=2026-05&to=2026-01", "to"),
                                          ("calendar=julian", "calendar"), ("from=2020-01&to=2026-01", "to")])
def test_a_bad_period_is_refused_on_its_field(director, query, field):
    response = director.get(f"/alpha/staff/reports?{query}")
    assert response.status_code == 422
    assert f'id="{field}-error"' in response.get_data(as_text=True)


def test_the_dashboard_pdf_holds_the_same_figures(app, tenant_a, director, tmp_path):
    _requests(app, tenant_a, DATA)
    response = director.get("/alpha/staff/reports.pdf?from=2026-01&to=2026-02&lang=en")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    assert "Requests by state" in text and "50.0%" in text and "14.0" in text


def test_the_dashboard_shows_only_this_associations_requests(app, tenant_a, tenant_b, director):
    _requests(app, tenant_b, DATA)
    html = director.get("/alpha/staff/reports?from=2026-01&to=2026-02&lang=en").get_data(as_text=True)
    assert _table(html, "by_month") == {"January 2026": [0], "February 2026": [0]}
    outsider = staff_client(app, "x@beta.test", "beta", ["executive_director"])
    assert outsider.get("/alpha/staff/reports").status_code == 404


def test_the_operator_overview_counts_each_association_without_personal_data(app, tenant_a, tenant_b, client):
    from tests.helpers import login, make_user

    _requests(app, tenant_a, DATA)
    make_user(app, "op@wasl.test", operator=True)
    login(client, "op@wasl.test")
    html = client.get("/operator/reports?lang=en").get_data(as_text=True)
    alpha = html.split('data-slug="alpha"')[1].split("</tr>")[0]
    cells = [c.split("<")[0] for c in alpha.split('class="text-end">')[1:]]
    assert cells[:5] == ["0", "1", "6", "4", "1"]  # members, files, requests, open, overdue
    assert "50.0%" in alpha and "(1/2)" in alpha
    beta = html.split('data-slug="beta"')[1].split("</tr>")[0]
    assert [c.split("<")[0] for c in beta.split('class="text-end">')[1:]][:5] == ["0", "0", "0", "0", "0"]
    assert "1058529940" not in html and "مستفيد" not in html
    staff = staff_client(app, "director@alpha.test", "alpha", ["executive_director"])
    assert staff.get("/operator/reports").status_code == 403


# --- complaints, satisfaction, files (modules grievances and service_controls) ------------------------

def _welfare_data(app, tenant_id):
    """Complaints, survey answers and files with known outcomes in January and February 2026."""
    from core.grievances.models import Complaint
    from core.lifecycle.models import ExclusionDecision, FileFreeze
    from core.surveys.models import SurveyAnswer, SurveyResponse

    items = dict(name="مشتكٍ", national_id="1058529940", mobile="+966551234567", subject="تأخر", facts="وقائع",
                 against="قسم", harm="ضرر", reasons="أسباب", previous_steps="خطوات", requested="طلب",
                 event_date=date(2026, 1, 1), received_via="portal")
    complaints = [  # submitted, state, due, decided
        (utc(2026, 1, 5, 9), "notified", date(2026, 1, 26), utc(2026, 1, 20, 9)),    # within
        (utc(2026, 1, 10, 9), "closed", date(2026, 1, 29), utc(2026, 2, 3, 9)),      # late
        (utc(2026, 2, 1, 9), "under_review", date(2026, 2, 20), None),               # open, overdue
        (utc(2026, 2, 2, 9), "received", date(2099, 1, 1), None),                    # open, not yet due
        (utc(2026, 2, 3, 9), "closed", date(2026, 2, 24), None),                     # excuse refused
        (utc(2025, 12, 3, 9), "received", date(2025, 12, 24), None),                 # before the period
    ]
    scores = {date(2026, 1, 1): [(5, 4), (3, 3), (4, 4)], date(2026, 2, 1): [(5, 5), (1, 1)],
              date(2025, 12, 1): [(2, 2), (2, 2), (2, 2)]}
    with app_ctx(app), tenant_scope(tenant_id):
        for n, (submitted, state, due, decided) in enumerate(complaints, start=1):
            db.session.add(Complaint(reference=f"C-2026-{n:05d}", state=state, submitted_at=submitted,
                                     decision_due=due, decided_at=decided, **items))
        for month, responses in scores.items():
            for answers in responses:
                response = SurveyResponse(month=month, subject_kind="service", service="financial_aid")
                db.session.add(response)
                db.session.flush()
                for question, score in zip(("overall", "courtesy"), answers, strict=True):
                    db.session.add(SurveyAnswer(response_id=response.id, question=question, score=score))
        files = []
        for n, (status, opened) in enumerate([("active", utc(2026, 1, 3, 9)), ("active", utc(2026, 2, 3, 9)),
                                              ("frozen", utc(2026, 1, 4, 9)), ("excluded", utc(2025, 6, 1, 9))],
                                             start=1):
            b = Beneficiary(file_number=100 + n, name=f"مستفيد {n}", name_search="مستفيد", national_id=f"10000001{n}0",
                            gender="male", status=status, created_at=opened)
            db.session.add(b)
            db.session.flush()
            files.append(b)
        db.session.add(FileFreeze(beneficiary_id=files[2].id, reason="late_documents", starts_on=date(2026, 1, 12),
                                  ends_on=date(2026, 2, 11)))
        db.session.add(ExclusionDecision(number=1, beneficiary_id=files[3].id, reason="own_request",
                                         decided_on=date(2026, 2, 9), evidence="نموذج", status_before="active"))
        db.session.commit()


def _cells(html, key):
    """{row label: [cell text]} of the table under one chart."""
    section = html.split(f'id="figure-{key}"')[1].split("</section>")[0]
    body = section.split("<tbody>")[1].split("</tbody>")[0]
    return {row.split('class="fw-normal">')[1].split("<")[0]:
            [cell.split(">", 1)[1].split("</td>")[0] for cell in row.split('<td dir="ltr" class="text-end"')[1:]]
            for row in body.split("<tr>")[1:]}


@pytest.fixture
def welfare_director(app):
    from tests.helpers import make_tenant

    tenant_id = make_tenant(app, "alpha", modules='["grievances", "service_controls"]')
    _welfare_data(app, tenant_id)
    return staff_client(app, "director@alpha.test", "alpha", ["executive_director"])


def test_complaints_satisfaction_and_files_match_the_constructed_data(welfare_director):
    response = welfare_director.get("/alpha/staff/reports?from=2026-01&to=2026-02&lang=en")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    # within, later, open past the deadline, open not yet due, ended without a decision
    assert _cells(html, "complaints") == {"January 2026": ["1", "1", "0", "0", "0"],
                                          "February 2026": ["0", "0", "1", "1", "1"]}
    cards = html.split("complaint-summary")[1].split("{% for")[0]
    for label, value in (("Complaints filed", "5"), ("Complaints decided", "2"),
                         ("Complaints decided within 15 working days", "50.0%"), ("Complaints overdue now", "1")):
        assert f'{label}</div><div class="fs-4 fw-bold" dir="ltr">{value}</div>' in cards, label
    # January: 3 answers, (5+4+3+3+4+4)/6; February: 2 answers, too few for an average.
    assert _cells(html, "satisfaction") == {"January 2026": ["3.83", "3"], "February 2026": ["—", "2"]}
    assert _cells(html, "files_status") == {"Active": ["2"], "Frozen": ["1"], "Excluded": ["1"]}
    assert _cells(html, "files_by_month") == {"January 2026": ["2", "1", "0"], "February 2026": ["1", "0", "1"]}
    assert "مشتكٍ" not in html and "مستفيد 1" not in html


def test_the_satisfaction_trend_in_hijri_months_counts_each_gregorian_month_once(welfare_director):
    html = welfare_director.get("/alpha/staff/reports?calendar=hijri&from=1447-07&to=1447-09&lang=en") \
        .get_data(as_text=True)
    cells = _cells(html, "satisfaction")
    # Each survey month lands in the Hijri month holding its 15th day; December 2025 (15 Jumada II) is outside.
    expected = {}
    for month, answers, average in ((date(2026, 1, 15), "3", "3.83"), (date(2026, 2, 15), "2", "—")):
        for label, (start, end) in {"Rajab 1447": (from_hijri(1447, 7, 1), from_hijri(1447, 8, 1)),
                                    "Sha&#39;ban 1447": (from_hijri(1447, 8, 1), from_hijri(1447, 9, 1)),
                                    "Ramadan 1447": (from_hijri(1447, 9, 1), from_hijri(1447, 10, 1))}.items():
            if start <= month < end:
                expected[label] = [average, answers]
    assert {k: v for k, v in cells.items() if v != ["—", "0"]} == expected
    assert sum(int(v[1]) for v in cells.values()) == 5


def test_the_pdf_report_holds_the_complaint_satisfaction_and_file_figures(welfare_director, tmp_path):
    response = welfare_director.get("/alpha/staff/reports.pdf?from=2026-01&to=2026-02&lang=en")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    path = tmp_path / "report.pdf"
    path.write_bytes(response.data)
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True).stdout
    for title in ("Complaints by month filed: decided within 15 working days", "Satisfaction by month",
                  "Beneficiary files by status today", "Files opened, frozen and excluded by month"):
        assert title in text, title
    assert "3.83" in text and "50.0%" in text


def test_without_the_modules_there_are_no_complaint_or_file_figures(app, tenant_a, director):
    html = director.get("/alpha/staff/reports?lang=en").get_data(as_text=True)
    assert 'id="figure-satisfaction"' in html
    assert 'id="figure-complaints"' not in html and 'id="figure-files_status"' not in html
    assert "complaint-summary" not in html


def test_the_operator_overview_counts_complaints_without_their_content(app, welfare_director, client):
    from tests.helpers import login, make_user

    make_user(app, "op@wasl.test", operator=True)
    login(client, "op@wasl.test")
    html = client.get("/operator/reports?lang=en").get_data(as_text=True)
    alpha = html.split('data-slug="alpha"')[1].split("</tr>")[0]
    assert 'complaints">6</td>' in alpha and 'complaints-overdue">2</td>' in alpha  # Feb 2026 and Dec 2025
    assert "مشتكٍ" not in html and "تأخر" not in html
