"""The reply's own text, without the history mail clients quote below (or above) it."""

from __future__ import annotations

import pytest

from messaging.email import html_to_text, strip_quoted


@pytest.mark.parametrize(
    ("mail", "reply"),
    [
        pytest.param(
            "Yes please.\n\nOn Mon, 23 Nov 2026 at 18:05, Alpha Hotel <r@alpha.example> wrote:\n> Shall we book?\n",
            "Yes please.",
            id="gmail-english",
        ),
        pytest.param(
            "Yes please.\n\nOn Mon, 23 Nov 2026 at 18:05, Alpha Hotel <\nr@alpha.example> wrote:\n\n> Shall we?\n",
            "Yes please.",
            id="gmail-attribution-wrapped",
        ),
        pytest.param(
            "Ya, terima kasih.\n\nPada Isn, 23 Nov 2026 pada 6:05 PTG Alpha Hotel <r@alpha.example> menulis:\n> Hi\n",
            "Ya, terima kasih.",
            id="gmail-malay",
        ),
        pytest.param(
            "Ya.\n\nPada 23/11/2026 18:05, Alpha Hotel telah menulis:\n> Hi\n",
            "Ya.",
            id="malay-telah-menulis",
        ),
        pytest.param(
            "Sure.\n\n-----Original Message-----\nFrom: Alpha Hotel\nSent: Monday\nSubject: x\n\nold text\n",
            "Sure.",
            id="outlook-original-message",
        ),
        pytest.param(
            "OK.\n\nFrom: Alpha Hotel <r@alpha.example>\nSent: Monday, 23 November 2026 18:05\nTo: me\n\nold\n",
            "OK.",
            id="outlook-header-block",
        ),
        pytest.param(
            "Baik.\n\nDaripada: Alpha Hotel <r@alpha.example>\nDihantar: Isnin\nKepada: saya\n\nlama\n",
            "Baik.",
            id="outlook-malay-header-block",
        ),
        pytest.param("Top line\n> quoted line\n> another\nBottom line", "Top line\nBottom line", id="interleaved"),
        pytest.param("Thanks!\n\n-- \nAisyah Rahman\n+60 12-345 6789", "Thanks!", id="signature"),
        pytest.param("See you.\n\nSent from my iPhone", "See you.", id="iphone-footer"),
        pytest.param("Jumpa nanti.\n\nDihantar dari iPhone saya", "Jumpa nanti.", id="iphone-footer-malay"),
        pytest.param("Le lundi.\n\nLe lun. 23 nov. 2026 à 18:05, Alpha Hotel a écrit :\n> x", "Le lundi.", id="french"),
        pytest.param("Line one\r\nLine two\r\n\r\nOn Mon, Alpha wrote:\r\n> x\r\n", "Line one\nLine two", id="crlf"),
    ],
)
def test_the_quoted_history_is_removed(mail: str, reply: str) -> None:
    assert strip_quoted(mail) == reply


@pytest.mark.parametrize(
    "text",
    [
        "On Monday we arrive at 3 pm, is early check-in possible?",
        "From: KLIA we will take a taxi.\nDo you have parking?",
        "Pada hari Isnin kami tiba.",
        "My friend wrote: it is a great hotel",  # "wrote:" not at the end of the line
    ],
)
def test_ordinary_sentences_that_look_like_markers_are_kept(text: str) -> None:
    assert strip_quoted(text) == text


def test_a_forwarded_message_is_content_and_kept() -> None:
    mail = "Please see my booking below.\n\n---------- Forwarded message ---------\nFrom: Agoda\nBooking AH123"
    assert "Booking AH123" in strip_quoted(mail)


def test_a_mail_that_is_only_quotes_keeps_its_text_rather_than_losing_it() -> None:
    mail = "> the whole thing is quoted\n> nothing new"
    assert strip_quoted(mail) == mail


def test_html_is_read_as_text_without_its_quote_blocks_styles_or_entities() -> None:
    html = (
        "<html><head><style>.x{color:red}</style></head><body><p>Hello &amp; welcome</p>"
        "<div>Line&nbsp;two<br>Line three</div><blockquote>old</blockquote>"
        '<div id="divRplyFwdMsg">From: Alpha</div><p>older</p></body></html>'
    )
    assert html_to_text(html) == "Hello & welcome\nLine two\nLine three"
