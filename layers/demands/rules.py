"""The service list's configurable rules (duplicates, reopen window)."""

from __future__ import annotations

from dataclasses import dataclass

from gis.settings import Settings


@dataclass(frozen=True)
class Rules:
    """Radius (m) and window (h) for duplicates; days after closing a resident may reopen."""

    duplicate_radius_m: float = 50.0
    duplicate_hours: float = 72.0
    reopen_days: float = 7.0

    @classmethod
    def from_settings(cls, conf: Settings) -> Rules:
        """Return the rules set through GRIDGOV_* variables."""
        return cls(conf.duplicate_radius_m, conf.duplicate_hours, conf.reopen_days)


DEFAULT_RULES = Rules()
