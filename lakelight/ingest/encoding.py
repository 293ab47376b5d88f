"""Text encoding of a file from its first bytes: BOMs, UTF-16 without BOM, UTF-8 (also with
a few stray Windows-1252 bytes, read by the ``lakelight-cp1252`` error handler registered
here), legacy 8-bit encodings, or None for binary data."""

from __future__ import annotations

import codecs
import re
import unicodedata


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    """Decoding error handler for UTF-8 files with a few legacy (Windows-1252) bytes: those
    bytes are read as Windows-1252 instead of becoming U+FFFD."""
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    bad = exc.object[exc.start : exc.end]
    try:
        return bad.decode("cp1252"), exc.end
    except UnicodeDecodeError:
        return bad.decode("latin-1"), exc.end


codecs.register_error("lakelight-cp1252", _cp1252_fallback)


def decode_errors(encoding: str | None) -> str:
    return "lakelight-cp1252" if encoding in ("utf-8", "utf-8-sig") else "replace"


def detect_encoding(head: bytes) -> str | None:
    """The text encoding of a file's first bytes, or None when they are not text."""
    if not head:
        return "utf-8"
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    if utf16 := _utf16_without_bom(head):
        return utf16
    if head.count(b"\x00") > max(8, len(head) // 100):
        return None  # binary: text files hold at most a stray NUL
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 4 and exc.reason == "unexpected end of data":
            return "utf-8"  # sample cut inside a multi-byte character
        if _mostly_utf8(head):
            return "utf-8"  # a few legacy bytes among UTF-8 text: see _cp1252_fallback
    return _legacy_encoding(head)


def _mostly_utf8(head: bytes) -> bool:
    """Valid multi-byte UTF-8 sequences at least as many as invalid bytes: legacy 8-bit text
    almost never forms valid sequences by chance, so this is UTF-8 with a few stray bytes."""
    text = head.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    multibyte = sum(1 for ch in text if ord(ch) > 0x7F and ch != "\ufffd")
    return multibyte >= 2 and multibyte >= bad


def _utf16_without_bom(head: bytes) -> str | None:
    n = len(head) - len(head) % 2
    if n < 8:
        return None
    half = n // 2
    even_nul, odd_nul = head[0:n:2].count(0), head[1:n:2].count(0)
    if odd_nul > 0.3 * half and even_nul < 0.02 * half:
        encoding = "utf-16-le"
    elif even_nul > 0.3 * half and odd_nul < 0.02 * half:
        encoding = "utf-16-be"
    else:
        return None
    text = head[:n].decode(encoding, "replace")
    return encoding if _control_ratio(text) < 0.01 and text.count("\ufffd") <= 1 else None


def _control_ratio(text: str) -> float:
    controls = sum(
        1 for ch in text if (ord(ch) < 32 and ch not in "\t\n\r\f\v\x1b") or 0x7F <= ord(ch) < 0xA0
    )
    return controls / max(1, len(text))


# Legacy 8-bit encodings a short sample cannot tell apart from Windows-1252 (they decode the
# same bytes to other, equally plausible letters): Windows-1252 wins a tie against them.
_LATIN_LOOKALIKES = re.compile(
    r"^(cp(437|737|775|85\d|86\d|1250|1257|1258)|mac_.*|iso8859_\d+|latin_1|hp_roman8)$"
)


def _legacy_encoding(head: bytes) -> str | None:
    """The most plausible 8-bit (or multi-byte legacy) encoding, or None for binary data.
    charset-normalizer proposes; short samples often tie, so the tie is broken by how
    plausible the decoded letters are, and Windows-1252 beats its look-alikes."""
    from charset_normalizer import from_bytes

    results = from_bytes(head)
    best = results.best()
    if best is None:
        return None
    candidates = [m.encoding for m in results if m.chaos <= best.chaos + 0.01]
    if "cp1252" not in candidates:
        try:
            head.decode("cp1252")
            candidates.append("cp1252")
        except UnicodeDecodeError:
            pass

    def rank(item: tuple[int, str]) -> tuple[int, int, int]:
        order, encoding = item
        text = head.decode(encoding, "replace")
        lookalike = encoding != "cp1252" and bool(_LATIN_LOOKALIKES.match(encoding))
        return _implausibility(text), int(lookalike), order

    encoding = min(enumerate(candidates), key=rank)[1]
    text = head.decode(encoding, "replace")
    return encoding if _control_ratio(text) < 0.05 else None


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _implausibility(text: str) -> int:
    """Signs of a wrong decoding around non-ASCII characters: symbols glued into words
    (``£ódŸ``), an accented capital after a small letter (``JosŪ``), control characters."""
    score = 0
    for match in _NON_ASCII.finditer(text):
        i = match.start()
        ch = text[i]
        before = text[i - 1] if i else " "
        after = text[i + 1] if i + 1 < len(text) else " "
        category = unicodedata.category(ch)
        if category[0] == "C" or ch == "\ufffd":
            score += 3
        elif category[0] != "L":
            if (before.isalpha() and after.isalpha()) or after.islower():
                score += 1
        elif ch.isupper() and before.islower():
            score += 1
    return score
