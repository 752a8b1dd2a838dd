"""Receipt vouchers (سند قبض): the figures and words a printed voucher carries."""
from decimal import Decimal

import sqlalchemy as sa
from num2words import num2words

from core.extensions import db
from core.programs.models import Participant, Program, Receipt, Registration


def amount_in_words(amount: Decimal, locale: str) -> str:
    """The amount written out, as vouchers state it (e.g. «مائة و خمسون ريالاً»)."""
    if locale == "ar":
        return num2words(amount, lang="ar", to="currency", currency="SR")
    words = num2words(amount, lang="en", to="currency", currency="SAR")
    return words.removesuffix(", zero halalas")


def number_text(number: int) -> str:
    """How a voucher number is printed: at least six digits."""
    return f"{number:06d}"


def voucher(receipt: Receipt) -> tuple[Registration, Program, Participant]:
    """What the printed voucher shows besides the receipt itself, in one query."""
    return tuple(db.session.execute(
        sa.select(Registration, Program, Participant)
        .join(Program, sa.and_(Program.tenant_id == Registration.tenant_id, Program.id == Registration.program_id))
        .join(Participant, sa.and_(Participant.tenant_id == Registration.tenant_id,
                                   Participant.id == Registration.participant_id))
        .where(Registration.id == receipt.registration_id)).one())


def of_registration(registration: Registration) -> Receipt | None:
    return db.session.scalar(sa.select(Receipt).where(Receipt.registration_id == registration.id))
