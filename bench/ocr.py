"""OCR: how long RapidOCR takes to load and to read one guest image, on this machine's CPU.

Not a test: it prints figures (record them in docs/benchmarks.md, "OCR"). No database, no network:
the images are drawn by Pillow (a phone-sized booking screenshot, a small menu photo) and read in
this process by `messaging.whatsapp.media.ocr_image`, the function the worker calls.

    .venv/bin/python bench/ocr.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nocturn.settings")

import django  # noqa: E402

django.setup()

from messaging.whatsapp import media  # noqa: E402
from testsupport.pictures import BOOKING_SCREENSHOT, MENU, picture_of  # noqa: E402

IMAGES = {
    "booking screenshot 1080 px wide, JPEG": picture_of(*BOOKING_SCREENSHOT, width=1080, jpeg=True),
    "menu photo 800 px wide, PNG": picture_of(*MENU, size=36, width=800),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="reads of each image (bounded: at most 50)")
    runs = min(max(parser.parse_args().runs, 1), 50)
    started = time.perf_counter()
    media._rapidocr()
    print(f"models loaded in {time.perf_counter() - started:.2f} s (once per process)")
    for name, content in IMAGES.items():
        seconds = []
        for _ in range(runs):
            started = time.perf_counter()
            text = media.ocr_image(content)
            seconds.append(time.perf_counter() - started)
        print(
            f"{name}: median {statistics.median(seconds):.2f} s, min {min(seconds):.2f} s, "
            f"max {max(seconds):.2f} s over {runs} reads; {len(text.splitlines())} lines read"
        )


if __name__ == "__main__":
    main()
