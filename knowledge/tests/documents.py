"""Build small real PDF and DOCX files for the tests (no binary blobs to trust blindly)."""

from __future__ import annotations

import io


def make_pdf(lines: list[str], title: str = "") -> bytes:
    """A one-page PDF whose text pypdf can extract: a minimal, valid file with a correct xref table."""

    def escape(text: str) -> str:
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 11 Tf 50 800 Td 14 TL " + " ".join(f"({escape(line)}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        "/Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        f"<< /Length {len(stream.encode('latin-1'))} >>\nstream\n{stream}\nendstream",
        f"<< /Title ({escape(title)}) >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Info 6 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def make_docx(sections: list[tuple[str, list[str]]]) -> bytes:
    import docx

    document = docx.Document()
    for heading, paragraphs in sections:
        document.add_heading(heading, level=1)
        for paragraph in paragraphs:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


HOUSE_RULES_LINES = [
    "Quiet hours are from 11:00 pm to 7:00 am. Parties and loud music in rooms are not permitted.",
    "Visitors must register at the front desk and leave the hotel by 10:00 pm.",
    "A lost room key card is replaced at the front desk for RM 50.",
    "Durian and other strong-smelling fruit may not be brought into the hotel.",
    "Guests are responsible for any damage to hotel property during their stay.",
]

SPA_SECTIONS = [
    (
        "Jasmine Spa",
        [
            "Jasmine Spa on level 10 offers traditional Malay urut massage, aromatherapy and reflexology.",
            "It is open from 10:00 am to 10:00 pm. A 60-minute urut massage costs RM 220.",
            "Please book treatments at least two hours in advance through the front desk.",
        ],
    ),
    (
        "Kids Club",
        [
            "The Kids Club on level 2 welcomes children aged 4 to 12 from 9:00 am to 6:00 pm, free of charge.",
            "Activities include batik painting, games and story time. Parents must stay in the hotel.",
        ],
    ),
]
