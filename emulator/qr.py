"""QR images, the printable template (PNG and PDF) and EMVCo `qr_data`.

The QR matrix comes from the `qrcode` package; PNG and PDF are written here
with zlib only, so output is the same with or without Pillow installed (and
without Pillow, tests need no extra package). If `qrcode` itself is missing the
QR routes answer 501 and the rest of the emulator still works.
"""

from __future__ import annotations

import struct
import zlib

try:  # optional: only the QR routes need it
    import qrcode
    import qrcode.constants
except ImportError:  # pragma: no cover - exercised only without the package
    qrcode = None

MP_BLUE = (0, 158, 227)
MP_YELLOW = (255, 230, 0)


def available() -> bool:
    return qrcode is not None


def matrix(text: str) -> list[list[bool]]:
    """Module matrix of a QR encoding `text`, quiet zone included."""
    qr = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, box_size=1
    )
    qr.add_data(text)
    qr.make(fit=True)
    return qr.get_matrix()


def _png(width: int, height: int, rows: list[bytes], color: bool) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    color_type = 2 if color else 0
    header = struct.pack(">IIBBBBB", width, height, 8, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + row for row in rows)  # filter type 0 per row
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


def qr_png(text: str, box: int = 8) -> bytes:
    mods = matrix(text)
    rows = []
    for line in mods:
        row = b"".join((b"\x00" if dark else b"\xff") * box for dark in line)
        rows.extend([row] * box)
    size = len(mods) * box
    return _png(size, size, rows, color=False)


def template_png(text: str, box: int = 8, frame: int = 48) -> bytes:
    """The QR on a Mercado Pago-like sticker: blue frame, yellow band on top."""
    mods = matrix(text)
    inner = len(mods) * box
    width = inner + 2 * frame
    height = inner + 3 * frame
    blue, yellow = bytes(MP_BLUE), bytes(MP_YELLOW)
    white, black = b"\xff\xff\xff", b"\x00\x00\x00"
    rows = [yellow * width for _ in range(frame)]  # top band
    rows += [blue * width for _ in range(frame // 2)]
    for line in mods:
        row = blue * frame + b"".join((black if d else white) * box for d in line)
        row += blue * frame
        rows.extend([row] * box)
    rows += [blue * width for _ in range(height - len(rows))]
    return _png(width, height, rows, color=True)


def _pdf_text(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def template_pdf(text: str, title: str, subtitle: str) -> bytes:
    """A one-page A6 PDF: caption plus the QR drawn as vector squares."""
    mods = matrix(text)
    page_w, page_h = 298, 420
    module = min(240 / len(mods), 6)
    size = module * len(mods)
    x0, y0 = (page_w - size) / 2, 60
    ops = ["0 0.62 0.89 rg", f"0 0 {page_w} {page_h} re f", "1 1 1 rg"]
    ops.append(f"{x0 - 6:.2f} {y0 - 6:.2f} {size + 12:.2f} {size + 12:.2f} re f")
    ops.append("0 0 0 rg")
    for r, line in enumerate(mods):
        for c, dark in enumerate(line):
            if dark:
                x, y = x0 + c * module, y0 + (len(mods) - 1 - r) * module
                ops.append(f"{x:.2f} {y:.2f} {module:.2f} {module:.2f} re f")
    ops += [
        "1 1 1 rg",
        f"BT /F1 18 Tf 30 {page_h - 50} Td ({_pdf_text(title)}) Tj ET",
        f"BT /F1 11 Tf 30 {page_h - 72} Td ({_pdf_text(subtitle)}) Tj ET",
        f"BT /F1 9 Tf 30 30 Td ({_pdf_text('Mercado Pago emulator')}) Tj ET",
    ]
    content = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_w} {page_h}] "
            "/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>"
        ).encode(),
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# --- EMVCo merchant-presented QR payload (`type_response.qr_data`) ---------------


def _tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def crc16_ccitt(data: bytes) -> str:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return f"{crc:04X}"


def emv_payload(site, account: dict, order: dict) -> str:
    """EMVCo-like string; tag 26 carries the ORD id so it can be "scanned" back."""
    gui = "br.gov.bcb.pix" if site.site_id == "MLB" else "com.mercadolibre"
    payload = (
        _tlv("00", "01")
        + _tlv("01", "12")  # dynamic: one use
        + _tlv("26", _tlv("00", gui) + _tlv("01", order["id"]))
        + _tlv("52", "0000")
        + _tlv("53", site.currency_numeric)
        + _tlv("54", order["total_amount"])
        + _tlv("58", site.country_id)
        + _tlv("59", account["nickname"][:25])
        + _tlv("60", site.city[:15])
        + _tlv("62", _tlv("05", order["external_reference"][:25]))
        + "6304"
    )
    return payload + crc16_ccitt(payload.encode())
