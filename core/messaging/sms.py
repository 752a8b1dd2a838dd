"""SMS: how many segments a text takes, the two-segment limit at composition, and the gateway adapters.

A text that fits the GSM 03.38 alphabet is sent in 7-bit: 160 characters in one segment, 153 per
segment when split (extension characters such as € and { take two). Anything else, Arabic included, is
sent as UCS-2: 70 characters in one segment, 67 per segment when split (UTF-16 code units).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

#: No message to a beneficiary may take more than this many segments (cost, and phones that split badly).
MAX_SEGMENTS = 2


class SmsTooLong(ValueError):
    """The text needs more segments than allowed; the composer must use a shorter template."""

    def __init__(self, text: str, count: int):
        super().__init__(f"SMS of {count} segments (at most {MAX_SEGMENTS}): {text[:40]}…")
        self.text, self.count = text, count


@dataclass(frozen=True)
class Encoding:
    name: str  # "GSM-7" or "UCS-2"
    units: int  # septets or UTF-16 code units
    segments: int


def measure(text: str) -> Encoding:
    """The encoding a phone network would use for this text, its length in that encoding and its segments."""
    try:
        units, name, single, multi = len(text.encode("gsm03.38")), "GSM-7", 160, 153
    except UnicodeEncodeError:
        units, name, single, multi = len(text.encode("utf-16-le")) // 2, "UCS-2", 70, 67
    segments = 1 if units <= single else -(-units // multi)
    return Encoding(name, units, segments)


def compose(*candidates: str) -> str:
    """The first of the candidate texts (longest first) that fits in MAX_SEGMENTS, else SmsTooLong."""
    for text in candidates:
        if measure(text).segments <= MAX_SEGMENTS:
            return text
    shortest = candidates[-1]
    raise SmsTooLong(shortest, measure(shortest).segments)


# --- gateways ------------------------------------------------------------------------------------

class SmsGateway(Protocol):
    """What an SMS provider's adapter implements; raise core.messaging.delivery.DeliveryError on failure."""

    def send_sms(self, to: str, text: str, reference: str) -> None: ...


class FileSmsGateway:
    """Embedded default: each SMS is written as a text file under MAIL_FILE_DIR/sms (what would be sent)."""

    def __init__(self, config):
        self.folder = Path(config["MAIL_FILE_DIR"]) / "sms"

    def send_sms(self, to: str, text: str, reference: str) -> None:
        from core.messaging.delivery import DeliveryError

        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{reference}.txt"
        try:
            path.write_text(f"To: {to}\n\n{text}\n", encoding="utf-8")
        except OSError as exc:
            raise DeliveryError(f"cannot write {path}: {exc}") from exc


def gateway(config) -> SmsGateway | None:
    """The configured adapter: SMS_BACKEND is "file", "none", or "package.module:ClassName" (your provider's)."""
    name = config.get("SMS_BACKEND") or "none"
    if name == "none":
        return None
    if name == "file":
        return FileSmsGateway(config)
    module, _, attribute = name.partition(":")
    return getattr(importlib.import_module(module), attribute)(config)
