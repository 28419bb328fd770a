"""Whole-number parameters are ASCII digits only: str.isdigit() also takes '²' (which int()
refuses: a 500) and '٣' (which int() reads as 3)."""

from __future__ import annotations

import pytest

from gis.checks import is_whole

ODD_DIGITS = ["²", "٣", "5²", "¹⁰", "１２"]


@pytest.mark.parametrize("raw", ODD_DIGITS + ["", " 5", "5 ", "-5", "+5", "5.0", "1" * 19])
def test_only_ascii_digits_are_whole_numbers(raw):
    assert not is_whole(raw)


@pytest.mark.parametrize("raw", ["0", "7", "0042", "1" * 18])
def test_ascii_digits_are_whole_numbers(raw):
    assert is_whole(raw) and int(raw) >= 0


@pytest.mark.parametrize("odd", ODD_DIGITS)
def test_odd_digits_in_pages_and_limits_are_refused_not_a_500(client, staff, odd):
    _, headers = staff("admin")
    for url in (f"/api/v1/demands?per_page={odd}", f"/api/v1/demands?page={odd}",
                f"/api/v1/dispatch/queue?limit={odd}", f"/api/v1/stations?limit={odd}",
                f"/board/230903011001?page={odd}"):
        resp = client.get(url, headers=headers)
        assert resp.status_code in (400, 422), (url, resp.status_code)  # as each route refuses
