"""Pictures of text drawn by Pillow at test time: what a guest photographs or screenshots, for the OCR tests
and the OCR benchmark (nothing is read from disk, so the expected text is the text drawn)."""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageFont

BOOKING_SCREENSHOT = (
    "Booking confirmation",
    "Booking no. AH12345",
    "Check-in: 12 March 2027",
    "Deluxe King Room, 2 adults",
    "Total paid: RM 1,240.00",
)
MENU = ("Room service menu", "Nasi lemak RM 28", "Mee goreng mamak RM 24", "Teh tarik RM 9")


def picture_of(*lines: str, size: int = 40, width: int = 1000, jpeg: bool = False) -> bytes:
    """One line of text per row, black on white, PNG (or JPEG, as phones send screenshots)."""
    image = Image.new("RGB", (width, 40 + len(lines) * size * 2), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((20, 20 + number * size * 2), line, fill="black", font=ImageFont.load_default(size=size))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG" if jpeg else "PNG", quality=85)
    return buffer.getvalue()
