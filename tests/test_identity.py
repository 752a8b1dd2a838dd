"""Saudi ID / iqama check digit and mobile numbers, as typed at a reception desk."""
import pytest

from core.identity import IdentityError, clean_mobile, clean_national_id, display_mobile, id_check_digit_ok


@pytest.mark.parametrize("value", ["1058529940", "1001244019", "١٠٥٨٥٢٩٩٤٠", " 1058 529 940 "])
def test_valid_ids_are_accepted_as_ten_ascii_digits(app, value):
    with app.test_request_context():
        assert clean_national_id(value) in ("1058529940", "1001244019")


@pytest.mark.parametrize("value, why", [
    ("1058529941", "last digit"),      # one digit off: the check digit catches it
    ("1058529904", "last digit"),      # two digits swapped
    ("3058529940", "starts with 1"),   # neither citizen nor resident
    ("105852994", "10 digits"),        # too short
    ("10585299400", "10 digits"),      # too long
    ("10585x9940", "10 digits"),
    ("", "10 digits"),
])
def test_bad_ids_are_refused_with_the_reason(app, value, why):
    with app.test_request_context("/?lang=en"):
        with pytest.raises(IdentityError) as exc:
            clean_national_id(value)
        assert why in str(exc.value)


def test_check_digit_is_luhn_over_ten_digits():
    assert id_check_digit_ok("1058529940")
    assert not id_check_digit_ok("1058529950")


@pytest.mark.parametrize("value", ["0501234567", "501234567", "+966501234567", "00966501234567",
                                   "٠٥٠١٢٣٤٥٦٧", "050-123-4567"])
def test_saudi_mobiles_are_stored_in_e164(app, value):
    with app.test_request_context():
        assert clean_mobile(value) == "+966501234567"


@pytest.mark.parametrize("value", ["0111234567", "12345", "05012345", "mobile", "+9665"])
def test_bad_mobiles_are_refused(app, value):
    with app.test_request_context():
        with pytest.raises(IdentityError):
            clean_mobile(value)


def test_mobiles_are_shown_the_way_people_write_them():
    assert display_mobile("+966501234567") == "0501234567"
    assert display_mobile(None) == ""
