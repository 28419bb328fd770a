"""Personal data shown to staff without the personal-data grant: phones masked."""

from __future__ import annotations

import re


def mask_phone(phone: str | None) -> str | None:
    """Return a phone with its middle digits hidden (138****1234)."""
    if not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"
