"""The signature scheme itself (no database): the README's worked example, the window, several v1 entries."""

from __future__ import annotations

import pytest

from integrations import signing

SECRET = "nsk_example_only_never_use_this_secret"
T = 1764410400
BODY = (
    b'{"id":"evt_1001","type":"order.ready","guest":{"name":"Aisyah","phone":"+60123456789","language":"en"},'
    b'"order":{"reference":"POS-77","outlet":"Lobby Cafe"}}'
)
EXPECTED = "ec884fce05004c477b6353416df844437327db5e976d2d855cbf8ae835d28ce1"  # as printed in README.md


def test_the_readme_worked_example_holds() -> None:
    assert signing.compute(SECRET, T, BODY) == EXPECTED
    assert signing.header_value(SECRET, T, BODY) == f"t={T},v1={EXPECTED}"
    assert signing.verify(f"t={T},v1={EXPECTED}", BODY, [SECRET], now=T, tolerance=300) == (T, SECRET)


@pytest.mark.parametrize("skew", [-300, 0, 300])
def test_inside_the_window_either_way_it_verifies(skew: int) -> None:
    assert signing.verify(signing.header_value(SECRET, T, BODY), BODY, [SECRET], now=T + skew, tolerance=300)


@pytest.mark.parametrize("skew", [-301, 301])
def test_outside_the_window_either_way_it_is_refused(skew: int) -> None:
    with pytest.raises(signing.SignatureError, match="tolerance"):
        signing.verify(signing.header_value(SECRET, T, BODY), BODY, [SECRET], now=T + skew, tolerance=300)


def test_any_one_of_several_v1_entries_and_any_valid_secret_will_do() -> None:
    header = f"t={T}, v1={'0' * 64}, v1={EXPECTED.upper()}"
    assert signing.verify(header, BODY, ["other-secret", SECRET], now=T, tolerance=300) == (T, SECRET)


@pytest.mark.parametrize(
    "header",
    [None, "", f"v1={EXPECTED}", f"t={T}", f"t=-{T},v1={EXPECTED}", f"t={T}.5,v1={EXPECTED}", f"t={T},v2={EXPECTED}"],
)
def test_malformed_headers_are_refused(header: str | None) -> None:
    with pytest.raises(signing.SignatureError):
        signing.verify(header, BODY, [SECRET], now=T, tolerance=300)


def test_a_different_body_or_secret_is_refused() -> None:
    header = signing.header_value(SECRET, T, BODY)
    with pytest.raises(signing.SignatureError):
        signing.verify(header, BODY + b" ", [SECRET], now=T, tolerance=300)
    with pytest.raises(signing.SignatureError):
        signing.verify(header, BODY, ["nsk_someone_else"], now=T, tolerance=300)
    with pytest.raises(signing.SignatureError):
        signing.verify(header, BODY, [], now=T, tolerance=300)
