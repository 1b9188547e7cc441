"""A one-sheet XLSX workbook written fast and in constant memory.

The sheet is what xlsxwriter writes in its `constant_memory` mode (inline strings, the same
styles, column widths, frozen header, autofilter), but its rows are made here straight as XML,
several times faster than a cell-by-cell writer. The rows are deflated into a temporary file as
they come; only at the end, when the column widths and the row count are known, is the package
put together: the sheet's head (dimension, widths) and tail (autofilter) are deflated on their
own and joined to the rows' deflate stream, and the CRC of the whole is combined from the CRCs
of its parts. Memory stays flat however many rows there are.
"""

import datetime as dt
import re
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence

from xlsxwriter.theme import THEME_XML_2007

# Excel's limit is 1,048,576 rows, one of which is the header.
MAX_ROWS = 1_048_575
# Excel keeps at most this many characters in a cell (xlsxwriter cuts longer strings).
_MAX_CHARS = 32_767
_LEVEL = 1  # deflate level: the sheet is repetitive XML, level 1 is fast and small enough
_READ = 256 * 1024
_ROWS_PER_WRITE = 1_000

# xlsxwriter's escapes: a literal "_x0041_" keeps its text, control characters become _xHHHH_.
_LITERAL_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
# Anything in a row's text (its cells joined by _SEPARATOR) that needs escaping: XML's own
# characters, control characters, a literal escape, or space at either end of a cell.
_SEPARATOR = "\ue000"
_ROW_NEEDS_WORK = re.compile(
    r"[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]|_x[0-9a-fA-F]{4}_|^\s|\s$|\s\ue000|\ue000\s"
)
_EPOCH = dt.datetime(1899, 12, 31)


class TooManyRows(ValueError):
    """More rows than an Excel sheet holds."""


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(value: str) -> tuple[str, bool]:
    """A string as xlsxwriter writes it inline: escaped, and whether to keep its edge spaces."""
    value = _LITERAL_ESCAPE.sub(r"_x005F\1", value)
    value = _CONTROL.sub(lambda match: f"_x{ord(match.group(1)):04X}_", value)
    value = value.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
    preserve = bool(value) and (value[0].isspace() or value[-1].isspace())
    value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return value, preserve


def _serial(value: dt.datetime) -> float:
    """An Excel date number, as xlsxwriter computes it (time zone dropped)."""
    delta = value.replace(tzinfo=None) - _EPOCH
    serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / 86400
    return serial + 1 if serial > 59 else serial  # Excel's 1900 leap-year bug


def _width(characters: int) -> float:
    """A column width in characters as xlsxwriter stores it (Calibri 11's digit is 7 pixels)."""
    return int((int(characters * 7 + 0.5) + 5) / 7 * 256) / 256


# --- CRC-32 of joined parts (zlib's crc32_combine, which Python's zlib does not offer) ---


def _multiply(a: int, b: int) -> int:
    """a(x) * b(x) modulo the CRC-32 polynomial, bits reflected."""
    product = 0
    bit = 1 << 31
    while True:
        if a & bit:
            product ^= b
            if not a & (bit - 1):
                return product
        bit >>= 1
        b = (b >> 1) ^ 0xEDB88320 if b & 1 else b >> 1


def _powers() -> list[int]:
    table, power = [], 1 << 30  # x^1
    for _ in range(32):
        table.append(power)
        power = _multiply(power, power)
    return table


_X2N = _powers()


def crc32_combine(crc1: int, crc2: int, length2: int) -> int:
    """The CRC-32 of A + B from crc32(A), crc32(B) and len(B)."""
    power, k = 1 << 31, 3  # x^0, then x^(8 * length2)
    while length2:
        if length2 & 1:
            power = _multiply(_X2N[k & 31], power)
        length2 >>= 1
        k += 1
    return _multiply(power, crc1) ^ crc2


class _Part:
    """Bytes deflated so that other deflated parts may follow them in one stream."""

    def __init__(self):
        self.deflate = zlib.compressobj(_LEVEL, zlib.DEFLATED, -15)
        self.crc = 0
        self.size = 0

    def feed(self, data: bytes) -> bytes:
        self.crc = zlib.crc32(data, self.crc)
        self.size += len(data)
        return self.deflate.compress(data)

    def end(self, *, last: bool) -> bytes:
        return self.deflate.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


class SheetRows:
    """Rows turned into sheet XML and deflated into a temporary file; `package()` then yields
    the whole workbook."""

    def __init__(self, headers: Sequence[str]):
        self.headers = [str(h) for h in headers]
        self.letters = [_column_letters(i) for i in range(len(self.headers))]
        self.longest = [0] * len(self.headers)
        self.dates = [False] * len(self.headers)
        self.count = 0
        self.last_row = 1  # the last row with a cell in it
        self.file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close() or package())
        self.compressed = 0
        self.part = _Part()

    def _write(self, xml: str) -> None:
        data = self.part.feed(xml.encode("utf-8"))
        self.file.write(data)
        self.compressed += len(data)

    def add(self, rows: Iterable[Sequence], progress: Callable[[int], None] | None = None) -> int:
        """Append rows (None and "" leave a cell empty, datetimes become date cells, anything
        else text); calls `progress(rows so far)` every thousand rows."""
        letters, longest, dates = self.letters, self.longest, self.dates
        needs_work, datetime, serial = _ROW_NEEDS_WORK.search, dt.datetime, _serial
        out: list[str] = []
        number = self.count + 1
        for number, row in enumerate(rows, start=number + 1):  # noqa: B020 (row 1 is the header)
            if number > MAX_ROWS + 1:
                raise TooManyRows(f"An Excel sheet holds at most {MAX_ROWS:,} rows.")
            start = len(out)
            out.append(f'<row r="{number}">')
            texts = []
            for col, value in enumerate(row):
                if value.__class__ is str:
                    if not value:
                        continue
                    text = value
                elif value is None:
                    continue
                elif isinstance(value, datetime):
                    dates[col] = True
                    out.append(
                        f'<c r="{letters[col]}{number}" s="2"><v>{serial(value):.16G}</v></c>'
                    )
                    continue
                else:
                    text = str(value)
                size = len(text)
                if size > longest[col]:
                    if size > _MAX_CHARS:
                        text, size = text[:_MAX_CHARS], _MAX_CHARS
                    longest[col] = size
                texts.append(text)
                out.append(
                    f'<c r="{letters[col]}{number}" t="inlineStr"><is><t>{text}</t></is></c>'
                )
            if len(out) == start + 1:  # nothing in it: no row at all, as in xlsxwriter
                del out[start:]
                continue
            out.append("</row>")
            self.last_row = number
            # One look at the row's text for anything to escape; the rare row with some is
            # written again cell by cell.
            if texts and needs_work(_SEPARATOR.join(texts)):
                del out[start:]
                out.append(self._careful_row(number, row))
            if number % _ROWS_PER_WRITE == 0:
                self._write("".join(out))
                out.clear()
                self.count = number - 1
                if progress is not None:
                    progress(self.count)
        self._write("".join(out))
        self.count = number - 1
        if progress is not None:
            progress(self.count)
        return self.count

    def _careful_row(self, number: int, row: Sequence) -> str:
        cells = []
        for col, value in enumerate(row):
            if value is None or value == "":
                continue
            if isinstance(value, dt.datetime):
                serial = _serial(value)
                cells.append(f'<c r="{self.letters[col]}{number}" s="2"><v>{serial:.16G}</v></c>')
                continue
            text, preserve = _text(str(value)[:_MAX_CHARS])
            space = ' xml:space="preserve"' if preserve else ""
            cells.append(
                f'<c r="{self.letters[col]}{number}" t="inlineStr"><is><t{space}>{text}</t></is></c>'
            )
        return f'<row r="{number}">{"".join(cells)}</row>'

    def _widths(self) -> list[float]:
        widths = []
        for header, longest, dates in zip(self.headers, self.longest, self.dates, strict=True):
            width = max(10, len(header) + 2)
            if dates:
                width = max(width, 17)
            if longest:
                width = min(50, max(width, longest + 2))
            widths.append(_width(width))
        return widths

    def _sheet_head(self) -> bytes:
        end = f"{self.letters[-1]}{self.last_row}"
        dimension = "A1" if end == "A1" else f"A1:{end}"
        header = "".join(
            f'<c r="{letter}1" s="1" t="inlineStr"><is><t{space}>{text}</t></is></c>'
            for letter, (text, space) in zip(
                self.letters,
                ((t, ' xml:space="preserve"' if p else "") for t, p in map(_text, self.headers)),
                strict=True,
            )
        )
        # Neighbouring columns of one width make one <col>, as xlsxwriter writes them.
        spans: list[list] = []
        for n, width in enumerate(self._widths(), start=1):
            if spans and spans[-1][2] == width:
                spans[-1][1] = n
            else:
                spans.append([n, n, width])
        cols = "".join(
            f'<col min="{first}" max="{last}" width="{width}" customWidth="1"/>'
            for first, last, width in spans
        )
        return (
            f'{_XML}<worksheet xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}">'
            f'<dimension ref="{dimension}"/>'
            '<sheetViews><sheetView tabSelected="1" workbookViewId="0"><pane ySplit="1" '
            'topLeftCell="A2" activePane="bottomLeft" state="frozen"/><selection '
            'pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
            f'<cols>{cols}</cols><sheetData><row r="1">{header}</row>'
        ).encode()

    def _filter_range(self) -> str:
        return f"A1:{self.letters[-1]}{max(self.count, 1) + 1}"

    def _sheet_tail(self) -> bytes:
        return (
            f'</sheetData><autoFilter ref="{self._filter_range()}"/><pageMargins left="0.7" '
            'right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'
        ).encode()

    def close(self) -> None:
        self.file.close()

    def package(self) -> Iterator[bytes]:
        """The workbook's bytes, in chunks; then the temporary file is closed."""
        try:
            rows_end = self.part.end(last=False)
            self.file.write(rows_end)
            self.compressed += len(rows_end)
            zipped = _Zip()
            start, end = self.letters[0], self.letters[-1]
            defined = f"Sheet1!${start}$1:${end}${max(self.count, 1) + 1}"
            for name, data in _static_parts(defined):
                yield zipped.entry(name, data)
            yield from zipped.sheet(self._sheet_head(), self.file, self.part, self._sheet_tail())
            yield zipped.directory()
        finally:
            self.close()


class _Zip:
    """A zip archive written front to back (no seeking): deflated entries, then the directory."""

    def __init__(self):
        self.offset = 0
        self.entries: list[bytes] = []

    def _local(self, name: str, crc: int, compressed: int, size: int) -> bytes:
        if max(compressed, size, self.offset) >= 0xFFFFFFFF:
            raise ValueError("The workbook is larger than a zip file without ZIP64 holds.")
        encoded = name.encode()
        # Version 2.0, no flags, deflated, a fixed time (1980-01-01) as xlsxwriter writes.
        fields = (20, 0, 8, 0, 0x21, crc, compressed, size, len(encoded), 0)
        self.entries.append(
            struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, *fields[:9], 0, 0, 0, 0, 0, self.offset)
            + encoded
        )
        header = struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields) + encoded
        self.offset += len(header) + compressed
        return header

    def entry(self, name: str, data: bytes) -> bytes:
        deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
        compressed = deflate.compress(data) + deflate.flush()
        return self._local(name, zlib.crc32(data), len(compressed), len(data)) + compressed

    def sheet(self, head: bytes, rows_file, rows: _Part, tail: bytes) -> Iterator[bytes]:
        first, last = _Part(), _Part()
        head_data = first.feed(head) + first.end(last=False)
        tail_data = last.feed(tail) + last.end(last=True)
        crc = crc32_combine(crc32_combine(first.crc, rows.crc, rows.size), last.crc, last.size)
        compressed = len(head_data) + rows_file.tell() + len(tail_data)
        size = first.size + rows.size + last.size
        yield self._local("xl/worksheets/sheet1.xml", crc, compressed, size) + head_data
        rows_file.seek(0)
        while chunk := rows_file.read(_READ):
            yield chunk
        yield tail_data

    def directory(self) -> bytes:
        listing = b"".join(self.entries)
        count = len(self.entries)
        end = struct.pack(
            "<4s4H2LH", b"PK\x05\x06", 0, 0, count, count, len(listing), self.offset, 0
        )
        return listing + end


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_TYPES = "application/vnd.openxmlformats-"


def _static_parts(defined_range: str) -> list[tuple[str, bytes]]:
    """Every part but the sheet, as xlsxwriter writes them for one sheet and these styles."""
    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    overrides = (
        ("/docProps/app.xml", "officedocument.extended-properties+xml"),
        ("/docProps/core.xml", "package.core-properties+xml"),
        ("/xl/styles.xml", "officedocument.spreadsheetml.styles+xml"),
        ("/xl/theme/theme1.xml", "officedocument.theme+xml"),
        ("/xl/workbook.xml", "officedocument.spreadsheetml.sheet.main+xml"),
        ("/xl/worksheets/sheet1.xml", "officedocument.spreadsheetml.worksheet+xml"),
    )
    types = "".join(
        f'<Override PartName="{part}" ContentType="{_TYPES}{kind}"/>' for part, kind in overrides
    )
    parts = {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            f'<Default Extension="rels" ContentType="{_TYPES}package.relationships+xml"/>'
            f'<Default Extension="xml" ContentType="application/xml"/>{types}</Types>'
        ),
        "_rels/.rels": _relationships(
            ("officeDocument", f"{_DOC_RELS}/officeDocument", "xl/workbook.xml"),
            ("core", f"{_PKG_RELS}/metadata/core-properties", "docProps/core.xml"),
            ("app", f"{_DOC_RELS}/extended-properties", "docProps/app.xml"),
        ),
        "docProps/app.xml": (
            '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-'
            'properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
            'docPropsVTypes"><Application>Microsoft Excel</Application><DocSecurity>0'
            '</DocSecurity><ScaleCrop>false</ScaleCrop><HeadingPairs><vt:vector size="2" '
            'baseType="variant"><vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>'
            "<vt:variant><vt:i4>1</vt:i4></vt:variant></vt:vector></HeadingPairs><TitlesOfParts>"
            '<vt:vector size="1" baseType="lpstr"><vt:lpstr>Sheet1</vt:lpstr></vt:vector>'
            "</TitlesOfParts><Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>"
            "false</SharedDoc><HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000"
            "</AppVersion></Properties>"
        ),
        "docProps/core.xml": (
            '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
            'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
            'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/'
            'dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:creator>'
            "</dc:creator><cp:lastModifiedBy></cp:lastModifiedBy><dcterms:created "
            f'xsi:type="dcterms:W3CDTF">{now}</dcterms:created><dcterms:modified '
            f'xsi:type="dcterms:W3CDTF">{now}</dcterms:modified></cp:coreProperties>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC_RELS}"><fileVersion appName="xl" '
            'lastEdited="4" lowestEdited="4" rupBuild="4505"/><workbookPr '
            'defaultThemeVersion="124226"/><bookViews><workbookView xWindow="240" yWindow="15" '
            'windowWidth="16095" windowHeight="9660"/></bookViews><sheets><sheet name="Sheet1" '
            'sheetId="1" r:id="rId1"/></sheets><definedNames><definedName '
            f'name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">{defined_range}'
            '</definedName></definedNames><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": _relationships(
            ("worksheet", f"{_DOC_RELS}/worksheet", "worksheets/sheet1.xml"),
            ("theme", f"{_DOC_RELS}/theme", "theme/theme1.xml"),
            ("styles", f"{_DOC_RELS}/styles", "styles.xml"),
        ),
        "xl/theme/theme1.xml": None,
        "xl/styles.xml": _STYLES,
    }
    made = []
    for name, xml in parts.items():
        data = THEME_XML_2007 if xml is None else _XML + xml
        made.append((name, data.encode()))
    return made


def _relationships(*targets: tuple[str, str, str]) -> str:
    links = "".join(
        f'<Relationship Id="rId{n}" Type="{kind}" Target="{target}"/>'
        for n, (_name, kind, target) in enumerate(targets, start=1)
    )
    return f'<Relationships xmlns="{_PKG_RELS}">{links}</Relationships>'


# Style 0 the default, 1 bold (the header), 2 the date cells' "yyyy-mm-dd hh:mm".
_FONT = (
    '<sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/>'
)
_STYLES = (
    f'<styleSheet xmlns="{_MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    f'<fonts count="2"><font>{_FONT}</font><font><b/>{_FONT}</font></fonts><fills count="2">'
    '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/>'
    '</border></borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0"/></cellStyleXfs><cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" '
    'borderId="0" xfId="0"/><xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" '
    'applyFont="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" '
    'applyNumberFormat="1"/></cellXfs><cellStyles count="1"><cellStyle name="Normal" xfId="0" '
    'builtinId="0"/></cellStyles><dxfs count="0"/><tableStyles count="0" '
    'defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/></styleSheet>'
)
