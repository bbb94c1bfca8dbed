"""How many SMS segments a text takes (3GPP TS 23.038 and TS 23.040).

- GSM-7, the default alphabet: 160 characters in one message; a longer text is split into
  segments of 153, the other 7 septets carrying the concatenation header (UDH). Characters
  of the extension table (``^ { } [ ] ~ \\ | €`` and form feed) take two septets each.
- Any character outside GSM-7 — Vietnamese with its diacritics, for one — makes the whole
  message UCS-2: 70 characters in one message, segments of 67 (UTF-16 code units, so a
  character beyond the Basic Multilingual Plane counts twice).

This is why brandname routes in Vietnam usually ask for unaccented text.
"""

import math
from dataclasses import dataclass

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7 = "GSM-7"
UCS2 = "UCS-2"
SINGLE_LIMITS = {GSM7: 160, UCS2: 70}
SEGMENT_LIMITS = {GSM7: 153, UCS2: 67}


@dataclass(frozen=True)
class Encoded:
    encoding: str  # GSM-7 or UCS-2
    units: int  # septets for GSM-7, UTF-16 code units for UCS-2
    segments: int


def is_gsm7(text: str) -> bool:
    return all(c in GSM7_BASIC or c in GSM7_EXTENSION for c in text)


def encode(text: str) -> Encoded:
    if is_gsm7(text):
        encoding = GSM7
        units = sum(2 if c in GSM7_EXTENSION else 1 for c in text)
    else:
        encoding = UCS2
        units = len(text.encode("utf-16-le")) // 2
    if units <= SINGLE_LIMITS[encoding]:
        segments = 1 if units else 0
    else:
        segments = math.ceil(units / SEGMENT_LIMITS[encoding])
    return Encoded(encoding, units, segments)
