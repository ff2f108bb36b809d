"""Texts the portal stored for people, shown in the reader's language.

Some columns keep a sentence for people to read later: timeline notes, ledger reasons,
refund notes, job and feed messages. They were worded when they were written: either
as a translatable message in the writer's language (a job writes English, a German
clerk's request German), or as a short English code a service composed (``to BER``,
``count: shelf 4``, ``returned in new condition``). The database keeps them as they are,
so the API, CSV exports and e-mails read what they always read; ``reword`` words them
again for whoever looks at a page:

1. a domain's own ``Wording`` list (its codes, with their parameters), then
2. any message of the translation catalogue, recognised in any of the portal's languages
   with its parameters (``Paid: Sandbox, reference X`` or ``Bezahlt: Sandbox, Referenz
   X``), worded again in the reader's language, then
3. ``<prefix>: <one of the above>`` (``BER: Not a whole number.``), the prefix kept.

Anything else (a clerk's typed note) is shown as stored, so rows written before a
wording existed still read sensibly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import read_mo
from babel.numbers import NumberFormatError, parse_decimal
from flask import current_app, has_app_context
from flask_babel import format_currency, get_babel
from flask_babel import gettext as _

# %(name)s and its kin; %% is a literal percent sign.
_PLACEHOLDER = re.compile(r"%\((?P<name>\w+)\)[#0 +-]*\d*(?:\.\d+)?[sdifrx]|%%")
# A catalogue message is recognised only with this many letters of fixed text, so a
# short one ("from %(location)s") cannot take over a clerk's note.
MIN_LETTERS = 10
MAX_MATCHED = 500  # longer texts are looked up whole only (patterns would crawl)
_PREFIXED = re.compile(r"(?P<prefix>[^:\n]{1,120}): (?P<rest>.+)", re.DOTALL)


def fill(template: str, values: dict[str, str]) -> str:
    """``template`` with its ``%(name)s`` placeholders replaced by ``values`` (as text,
    whatever the conversion: a stored parameter is text already)."""
    def value(match: re.Match) -> str:
        name = match.group("name")
        return "%" if name is None else str(values.get(name, match.group(0)))

    return _PLACEHOLDER.sub(value, template)


@dataclass(frozen=True)
class Wording:
    """One stored form: a regular expression matched against the whole text, whose
    named groups fill the ``%(group)s`` placeholders of ``label`` (a lazy_gettext
    string); ``convert`` words a group's value first (e.g. a condition code)."""

    pattern: str
    label: object
    convert: dict[str, Callable[[str], str]] = field(default_factory=dict)

    def word(self, text: str) -> str | None:
        """``text`` in the reader's words, or None when it has another form."""
        match = _compiled(self.pattern).fullmatch(text)
        if match is None:
            return None
        values = {name: self.convert[name](value) if name in self.convert else value
                  for name, value in match.groupdict(default="").items()}
        return fill(str(self.label), values)


@lru_cache(maxsize=512)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.DOTALL)


def reword(text: str | None, wordings: Iterable[Wording] = ()) -> str:
    """A stored text in the reader's language (see the module docstring)."""
    if not text:
        return ""
    wordings = tuple(wordings)
    worded = _known(text, wordings)
    if worded is not None:
        return worded
    match = _PREFIXED.fullmatch(text)
    if match:
        rest = _known(match.group("rest"), wordings)
        if rest is not None:
            return f"{match.group('prefix')}: {rest}"
    return text


def _known(text: str, wordings: tuple[Wording, ...]) -> str | None:
    for wording in wordings:
        worded = wording.word(text)
        if worded is not None:
            return worded
    return from_catalogue(text)


def from_catalogue(text: str) -> str | None:
    """``text`` when it is a catalogue message as some language words it, worded in the
    reader's language; None otherwise (or outside an application)."""
    if not text or not has_app_context():
        return None
    index = _index()
    found = index.exact.get(text)
    if found is not None:
        return _(found[0])
    if len(text) > MAX_MATCHED:
        return None
    for pattern, msgid, language in index.candidates(text):
        match = pattern.fullmatch(text)
        if match:
            values = {name: _plain(value, language)
                      for name, value in match.groupdict().items()}
            return fill(_(msgid), values)
    return None


_MONEY = re.compile(r"(?P<before>[€$£]\s?)?(?P<number>-?\d[\d.,\u00a0\u202f]*)"
                    r"(?P<after>\s?[€$£])?")
_CURRENCIES = {"€": "EUR", "$": "USD", "£": "GBP"}


def _plain(value: str, language: str) -> str:
    """A parameter taken from a stored text: itself worded when it is a whole message
    (a provider's name, a label), an amount of money formatted for the reader, else
    as it was."""
    found = _index().exact.get(value)
    if found is not None:
        return _(found[0])
    return amount_text(value, (language,)) or value


def amount_text(value: str, languages: Iterable[str] | None = None) -> str | None:
    """A stored amount of money ("€1,234.50", "1.234,50 €") formatted for the reader;
    None when ``value`` is no amount in any of ``languages`` (default: the portal's)."""
    money = _MONEY.fullmatch((value or "").strip())
    if not money or bool(money.group("before")) == bool(money.group("after")):
        return None
    symbol = (money.group("before") or money.group("after")).strip()
    if languages is None:
        languages = current_app.config.get("LANGUAGES", ("en",)) if has_app_context() \
            else ("en",)
    for language in languages:
        try:  # strict: "12,50" is no English amount, "1.234,50" no German one
            amount = parse_decimal(money.group("number").replace("\u202f", "\u00a0"),
                                   locale=language, strict=True)
        except NumberFormatError:
            continue
        return format_currency(amount, _CURRENCIES[symbol])
    return None


# --- the catalogue, read backwards ----------------------------------------------------

@dataclass
class _Index:
    """Every wording of every catalogue message: whole texts, and the ones with
    parameters as patterns filed under their first (up to three) fixed characters."""

    # a wording → (its msgid, the language it is in)
    exact: dict[str, tuple[str, str]] = field(default_factory=dict)
    patterns: dict[str, list[tuple[int, re.Pattern, str, str]]] = field(default_factory=dict)

    def add(self, wording: str, msgid: str, language: str) -> None:
        if not wording.strip():
            return
        if not _PLACEHOLDER.search(wording.replace("%%", "")):
            self.exact.setdefault(wording.replace("%%", "%"), (msgid, language))
            return
        fixed = _PLACEHOLDER.sub("", wording)
        if sum(ch.isalpha() for ch in fixed) < MIN_LETTERS:
            return
        pattern, prefix = _pattern(wording)
        if pattern is not None:
            self.patterns.setdefault(prefix[:3], []).append(
                (len(fixed), pattern, msgid, language))

    def sort(self) -> None:
        """The most fixed text first: the most specific message wins."""
        for patterns in self.patterns.values():
            patterns.sort(key=lambda entry: -entry[0])

    def candidates(self, text: str):
        for size in (3, 2, 1, 0):
            if len(text) >= size:
                for _fixed, pattern, msgid, language in self.patterns.get(text[:size], ()):
                    yield pattern, msgid, language


def _pattern(wording: str) -> tuple[re.Pattern | None, str]:
    """A regular expression for a message with placeholders, and its fixed start."""
    parts, seen, position, prefix = [], set(), 0, None
    for match in _PLACEHOLDER.finditer(wording):
        literal = wording[position:match.start()]
        parts.append(re.escape(literal))
        name = match.group("name")
        if name is None:
            parts.append("%")
            literal_start = literal + "%"
        else:
            literal_start = literal
            # A name used twice must match the same text twice.
            parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>.+?)")
            seen.add(name)
        if prefix is None:
            prefix = literal_start
        position = match.end()
    parts.append(re.escape(wording[position:]))
    try:
        return re.compile("".join(parts), re.DOTALL), prefix or ""
    except re.error:
        return None, ""


def _index() -> _Index:
    babel = get_babel()
    directories = tuple(str(Path(current_app.root_path, d)) if not Path(d).is_absolute()
                        else d for d in babel.translation_directories)
    return _build(directories, babel.default_domain,
                  tuple(current_app.config.get("LANGUAGES", ("en",))))


@lru_cache(maxsize=4)
def _build(directories: tuple[str, ...], domain: str, languages: tuple[str, ...]) -> _Index:
    messages = []
    for directory in directories:
        for language in languages:
            path = Path(directory, language, "LC_MESSAGES", f"{domain}.mo")
            if path.is_file():
                with path.open("rb") as handle:
                    messages += [(m, language) for m in read_mo(handle)  # no header, plurals
                                 if m.id and isinstance(m.id, str)]
    index = _Index()
    for message, _language in messages:  # English first: it wins where a translation
        index.add(message.id, message.id, "en")  # says the same
    for message, language in messages:
        if message.string and isinstance(message.string, str):
            index.add(message.string, message.id, language)
    index.sort()
    return index
