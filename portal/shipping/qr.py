"""QR codes for labels, fast enough for a thousand labels a run.

reportlab's QR encoder picks the mask the standard asks for by building and scoring all
eight candidates module by module, about 9 ms per code: four times a whole label without
it. This module keeps reportlab's tables and patterns (version capacities, Reed-Solomon
block layout, finder/timing/alignment patterns, format and version information, the
order data modules are filled in) and redoes only the hot part with whole rows as
integers:

1. the data (byte mode, error correction M) and its Reed-Solomon codewords, with
   log/antilog tables;
2. the data bits placed once, unmasked;
3. per mask, the matrix is ``template ^ data``, where the template (function patterns,
   format information for that mask, the mask pattern on data modules) is made once per
   version by reportlab itself;
4. the four penalty rules of ISO/IEC 18004 scored on row and column strings and row
   integers; the lowest score wins.

For any mask the result is the matrix reportlab makes (a test compares them).
"""

from __future__ import annotations

from functools import lru_cache
from operator import itemgetter

from reportlab.graphics.barcode.qrencoder import (
    QR8bitByte,
    QRCode,
    QRErrorCorrectLevel,
    QRRSBlock,
)

LEVEL = QRErrorCorrectLevel.M
_FINDER = (1, 0, 1, 1, 1, 0, 1)  # the 1:1:3:1:1 pattern of a finder's middle row

_EXP = [0] * 512
_LOG = [0] * 256
_value = 1
for _i in range(255):
    _EXP[_i] = _value
    _LOG[_value] = _i
    _value <<= 1
    if _value & 0x100:
        _value ^= 0x11D  # QR's field polynomial x^8 + x^4 + x^3 + x^2 + 1
for _i in range(255, 512):
    _EXP[_i] = _EXP[_i - 255]


@lru_cache(maxsize=64)
def _products(degree: int) -> tuple[int, ...]:
    """Per byte value f, f times the Reed-Solomon generator of ``degree`` (the
    coefficients after the leading 1), packed big-endian into one integer."""
    poly = [1]
    for i in range(degree):
        nxt = [0] * (len(poly) + 1)
        for j, coefficient in enumerate(poly):
            nxt[j] ^= coefficient
            if coefficient:
                nxt[j + 1] ^= _EXP[_LOG[coefficient] + i]
        poly = nxt
    return tuple(int.from_bytes(bytes(_EXP[_LOG[f] + _LOG[g]] if f and g else 0
                                      for g in poly[1:]), "big") for f in range(256))


def _error_codewords(data: bytes, degree: int) -> bytes:
    """The Reed-Solomon codewords of ``data``: polynomial division with the remainder
    held as one integer, one table lookup and two XORs per data byte."""
    products = _products(degree)
    shift, mask = 8 * (degree - 1), (1 << 8 * degree) - 1
    remainder = 0
    for byte in data:
        remainder = ((remainder << 8) & mask) ^ products[byte ^ (remainder >> shift)]
    return remainder.to_bytes(degree, "big")


@lru_cache(maxsize=16)
def _blocks(version: int) -> tuple[tuple[int, int], ...]:
    """(data codewords, error codewords) per Reed-Solomon block."""
    return tuple((b.dataCount, b.totalCount - b.dataCount)
                 for b in QRRSBlock.getRSBlocks(version, LEVEL))


@lru_cache(maxsize=256)
def _version(length: int) -> int:
    """The smallest version that holds ``length`` bytes at level M (reportlab's rule)."""
    code = QRCode(None, LEVEL)
    code.addData(QR8bitByte(b"\0" * length))
    return code.calculate_version()


def _sized(version: int, size: int) -> QRCode:
    code = QRCode(version, LEVEL)
    code.moduleCount = size
    return code


def _big(cells: list[list[bool]], size: int) -> tuple[int, int]:
    """A matrix as two integers, rows and columns: module (r, c) is bit ``r * (size + 1)
    + c`` of the first and bit ``c * (size + 1) + r`` of the second; bit ``size`` of
    every line stays 0, a guard that keeps patterns from running into the next line."""
    stride = size + 1
    rows = bytearray(b"0" * size * stride)
    columns = bytearray(b"0" * size * stride)
    top = size * stride - 1
    for r, line in enumerate(cells):
        for c, dark in enumerate(line):
            if dark:
                rows[top - (r * stride + c)] = 49  # "1"; the string's end is bit 0
                columns[top - (c * stride + r)] = 49
    return int(rows, 2), int(columns, 2)


@lru_cache(maxsize=16)
def _layout(version: int) -> tuple[tuple[itemgetter, itemgetter], list[tuple[int, int]],
                                   int, int]:
    """Per version: two permutations that lay the codeword bit string (plus one "0" at
    its end for every module that holds no data bit) out as the row and the column
    integer of ``_big``; per mask the template (function patterns, format information
    for that mask, the mask pattern on the data modules) as row and column integers; the
    integer of all real modules; and the number of data bits."""
    size = version * 4 + 17
    stride = size + 1
    total = sum(data + ec for data, ec in _blocks(version))
    templates = []
    for mask in range(8):
        code = QRCode(version, LEVEL)
        code.dataCache = [0] * total
        code.makeImpl(False, mask)
        templates.append(_big(code.modules, size))
    bits = total * 8
    cells = size * stride
    by_row, by_column = [bits] * cells, [bits] * cells  # index ``bits`` is the extra "0"
    for index, (c, r) in enumerate(_sized(version, size).dataPosIterator()):
        if index < bits:  # the few remainder modules stay light, as reportlab has them
            by_row[cells - 1 - (r * stride + c)] = index
            by_column[cells - 1 - (c * stride + r)] = index
    full = _big([[True] * size for _ in range(size)], size)[0]
    return (itemgetter(*by_row), itemgetter(*by_column)), templates, full, bits


def _codewords(data: bytes, version: int) -> bytes:
    """Byte-mode segment, terminator, padding, then Reed-Solomon, interleaved."""
    blocks = _blocks(version)
    capacity = sum(d for d, _ in blocks) * 8
    count_bits = 8 if version < 10 else 16
    bits, length = (0b0100 << count_bits) | len(data), 4 + count_bits
    bits = (bits << 8 * len(data)) | int.from_bytes(data, "big")
    length += 8 * len(data)
    tail = min(4, capacity - length)
    tail += (-(length + tail)) % 8
    bits <<= tail
    length += tail
    words = list(bits.to_bytes(length // 8, "big"))
    words += [0xEC, 0x11] * ((capacity // 8 - len(words)) // 2 + 1)
    words = words[:capacity // 8]
    data_blocks, ec_blocks, offset = [], [], 0
    for data_count, ec_count in blocks:
        chunk = bytes(words[offset:offset + data_count])
        offset += data_count
        data_blocks.append(chunk)
        ec_blocks.append(_error_codewords(chunk, ec_count))
    out = bytearray()
    for group in (data_blocks, ec_blocks):
        for i in range(max(len(b) for b in group)):
            out.extend(b[i] for b in group if i < len(b))
    return bytes(out)


def _windows(lines: int, light: int, stride: int) -> int:
    """Rules 1 and 3 on one orientation. ``lines``/``light`` hold the dark/light modules."""
    score = 0
    for colour in (lines, light):
        five = colour & (colour >> 1) & (colour >> 2) & (colour >> 3) & (colour >> 4)
        # a run of n >= 5 holds n - 4 windows of five and costs 3 + (n - 5) = windows + 2
        score += five.bit_count() + 2 * (five & ~(five << 1)).bit_count()
    core = -1
    for k, dark in enumerate(_FINDER):
        core &= (lines if dark else light) >> k
    quiet = light & (light >> 1) & (light >> 2) & (light >> 3)
    return score + 40 * ((core & (quiet >> 7)).bit_count() + (core & (quiet << 4)).bit_count())


def _penalty(rows: int, columns: int, full: int, size: int) -> int:
    """ISO/IEC 18004 mask penalty (runs, 2x2 blocks, finder-like patterns, balance) of a
    whole matrix held as integers (``_big``): a few dozen big-integer operations."""
    stride = size + 1
    light_rows, light_columns = ~rows & full, ~columns & full
    score = _windows(rows, light_rows, stride) + _windows(columns, light_columns, stride)
    for colour in (rows, light_rows):
        pair = colour & (colour >> 1)
        score += 3 * (pair & (pair >> stride)).bit_count()
    dark = rows.bit_count()
    return score + 10 * (abs(dark * 100 // (size * size) - 50) // 5)


def qr_rows(text: str, mask: int | None = None) -> list[str]:
    """The QR code of ``text`` (UTF-8, byte mode, level M) as rows of "0"/"1", dark =
    "1", without the quiet zone; ``mask`` forces a mask pattern (tests)."""
    data = text.encode("utf-8")
    version = _version(len(data))
    size = version * 4 + 17
    stride = size + 1
    (lay_rows, lay_columns), templates, full, bit_count = _layout(version)
    bits = format(int.from_bytes(_codewords(data, version), "big"), f"0{bit_count}b") + "0"
    placed_rows = int("".join(lay_rows(bits)), 2)
    placed_columns = int("".join(lay_columns(bits)), 2)
    candidates = range(8) if mask is None else (mask,)
    best = min(candidates, key=lambda m: _penalty(templates[m][0] ^ placed_rows,
                                                  templates[m][1] ^ placed_columns,
                                                  full, size))
    text_bits = format(templates[best][0] ^ placed_rows, f"0{size * stride}b")[::-1]
    return [text_bits[r * stride:r * stride + size] for r in range(size)]
