#!/usr/bin/env python3
"""Fail if a translation catalogue is incomplete.

Checks every ``locale/*/LC_MESSAGES/django.po`` below the project root and exits
with status 1 if any entry is:

* untranslated (an empty ``msgstr`` or any empty ``msgstr[n]``),
* marked ``fuzzy`` (Django ignores fuzzy entries, so the msgid would be shown),
* missing or changing a ``%(name)s`` style placeholder,
* in the source language catalogue (Danish), different from its msgid.

The header must not be fuzzy and must name the catalogue's language.

Only the Python standard library is used, so this runs without gettext installed.
Run it with ``python tools/check_translations.py`` (``make lint`` and CI do this).
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Danish is the source language: msgids are written in Danish.
SOURCE_LANGUAGE = "da"

_KEYWORD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?)\s+"(.*)"\s*$')
_CONTINUATION = re.compile(r'^"(.*)"\s*$')
_PLACEHOLDER = re.compile(r"%\(([^)]+)\)[#0 +\-]*\d*(?:\.\d+)?[sdifeEgGxXoc]")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    fields: dict[str, str] = field(default_factory=dict)
    obsolete: bool = False

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    @property
    def msgstrs(self) -> dict[str, str]:
        return {k: v for k, v in self.fields.items() if k.startswith("msgstr")}


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(0)), text)


def parse_po(path: Path) -> list[Entry]:
    """Parse a PO file into entries (a deliberately small parser)."""
    entries: list[Entry] = []
    entry: Entry | None = None
    current: str | None = None

    def start(lineno: int) -> Entry:
        new = Entry(line=lineno)
        entries.append(new)
        return new

    for lineno, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            entry, current = None, None
            continue
        if line.startswith("#~"):
            if entry is None:
                entry = start(lineno)
            entry.obsolete = True
            continue
        if line.startswith("#"):
            # A comment after the strings of an entry starts the next entry.
            if entry is None or entry.fields:
                entry, current = start(lineno), None
            if line.startswith("#,"):
                entry.flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, value = match.groups()
            if entry is None or (keyword in ("msgctxt", "msgid") and "msgid" in entry.fields):
                entry = start(lineno)
            current = keyword
            entry.fields[keyword] = _unescape(value)
            continue
        match = _CONTINUATION.match(line)
        if match and entry is not None and current is not None:
            entry.fields[current] += _unescape(match.group(1))
            continue
        raise ValueError(f"{path}:{lineno}: cannot parse line: {raw!r}")
    return entries


def _short(text: str) -> str:
    text = text.replace("\n", "\\n")
    return text if len(text) <= 60 else text[:57] + "..."


def check_catalogue(path: Path, language: str) -> list[str]:
    problems: list[str] = []
    try:
        entries = [e for e in parse_po(path) if not e.obsolete]
    except (ValueError, UnicodeDecodeError) as exc:
        return [str(exc)]

    header = next((e for e in entries if "msgid" in e.fields and e.msgid == ""), None)
    if header is None:
        problems.append(f"{path}: no header entry")
    else:
        if "fuzzy" in header.flags:
            problems.append(f"{path}:{header.line}: the header is marked fuzzy")
        header_text = header.fields.get("msgstr", "")
        if not re.search(rf"^Language: {re.escape(language)}$", header_text, re.M):
            problems.append(f"{path}:{header.line}: header should say 'Language: {language}'")
        if "Plural-Forms:" not in header_text:
            problems.append(f"{path}:{header.line}: header has no Plural-Forms")

    count = 0
    for entry in entries:
        if entry is header or "msgid" not in entry.fields:
            continue
        count += 1
        where = f"{path}:{entry.line}: {_short(entry.msgid)!r}"
        if "fuzzy" in entry.flags:
            problems.append(f"{where} is fuzzy")
        strs = entry.msgstrs
        if not strs or any(s == "" for s in strs.values()):
            problems.append(f"{where} is untranslated")
            continue
        plural = entry.fields.get("msgid_plural")
        if plural is not None and len(strs) < 2:
            problems.append(f"{where} is missing plural forms")
        if "python-format" in entry.flags or "python-brace-format" in entry.flags:
            expected = set(_PLACEHOLDER.findall(entry.msgid))
            if plural is not None:
                expected |= set(_PLACEHOLDER.findall(plural))
            for key, value in strs.items():
                found = set(_PLACEHOLDER.findall(value))
                if not found <= expected:
                    problems.append(
                        f"{where}: {key} has unknown placeholders {sorted(found - expected)}"
                    )
                # The plural-selecting number may be left out of a singular form.
                if key in ("msgstr", "msgstr[1]") and expected - found:
                    problems.append(f"{where}: {key} lacks placeholders {sorted(expected - found)}")
        if language == SOURCE_LANGUAGE:
            wanted = {"msgstr": entry.msgid}
            if plural is not None:
                wanted = {"msgstr[0]": entry.msgid, "msgstr[1]": plural}
            if strs != wanted:
                problems.append(f"{where}: source-language msgstr must equal the msgid")
    if count == 0:
        problems.append(f"{path}: contains no messages")
    return problems


def main(argv: list[str]) -> int:
    root = Path(argv[1]).resolve() if len(argv) > 1 else ROOT
    catalogues = sorted(root.glob("locale/*/LC_MESSAGES/django.po"))
    if not catalogues:
        print(f"check_translations: no catalogues found under {root / 'locale'}", file=sys.stderr)
        return 1
    problems: list[str] = []
    for path in catalogues:
        problems += check_catalogue(path, language=path.parent.parent.name)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(
            f"check_translations: {len(problems)} problem(s). Run makemessages, "
            "translate, and remove fuzzy flags.",
            file=sys.stderr,
        )
        return 1
    names = ", ".join(str(p.relative_to(root)) for p in catalogues)
    print(f"check_translations: all entries translated in {names}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
