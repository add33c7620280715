"""Find numbers typed into prose that should come from ``{{< var >}}``.

A computed value (a count, share, rank or change) must reach the text through a variable, so
that it changes when the data change. This module scans the prose of an expanded main
document (chapters included, shortcodes substituted) and the ``abstract`` of its front matter,
and reports every number token that looks like such a value, with the file and line where an
author can fix it (rule ``prose.number``).

Not prose, skipped whole: fenced code and raw blocks, display math, headings, pipe tables,
div fences, HTML comments, YAML, and lines that come from files in a ``generated`` folder
(tables and appendices written by the analysis; the folder name is a setting too).

Inside a line, removed before scanning: substituted variables (the value spans of ``protocol.value_span``),
inline code, inline math, URLs and link targets, attribute blocks ``{...}``, citations and
cross-references (``[@key, p. 3]``, ``@fig-x``), footnote marks.

Exempt tokens (the word lists and patterns are ``NumberRules``, settable under ``reportkit:
prose-numbers:`` in ``_quarto.yml``; English defaults): years (1700–2100, also ``1990s`` and ``2025/26``), dates (``30 November 2022``, ISO dates),
numbers after a reference word (section, table, figure, chapter, appendix, article, No., №,
decree, law, p., vol., ...), legal numbers such as ``477-IV``, ordinals (``2nd``, ``20th``),
identifiers (``M04``, ``COVID-19``) and whole numbers up to ten. Everything else — numbers with
thousands separators, decimals, percentages, whole numbers of 11 or more that are not years —
is reported.

Number words that state a quantity are reported too (rule ``prose.number-word``): fractions ("half",
"a third", "two-thirds"), vague multitudes ("dozens of"), multiples ("several-fold", "twice as") and a
number word fused with a unit ("ten-year"); the patterns are ``NumberRules.number_words``
(``prose-numbers: number-words:``, regular expressions).

A quoted value itself is checked for false precision (rule ``value.precision``): more than four
significant digits with a decimal part ("10,712.3 per Kazakh"), or more than three significant digits
right after a word of approximation ("about 586,653").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable

from .errors import Location, Problem
from .protocol import VALUE_CLASS

RULE = "prose.number"
FENCE = re.compile(r"^\s*(```|~~~)")

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec")
REFERENCE_WORDS = (
    "section", "sections", "sec", "table", "tables", "tab", "figure", "figures", "fig", "figs",
    "chapter", "chapters", "ch", "appendix", "appendices", "article", "articles", "art", "arts",
    "paragraph", "paragraphs", "para", "clause", "clauses", "item", "items", "point", "points",
    "part", "parts", "p", "pp", "page", "pages", "vol", "volume", "volumes", "no", "nos",
    "number", "issue", "decree", "decrees", "law", "laws", "order", "resolution", "step", "steps",
    "phase", "equation", "eq", "footnote", "note", "version", "edition", "ed", "series",
)
# A legal number's suffix after the number: 477-IV (Kazakhstan's laws carry the convocation in Roman numerals).
LEGAL_SUFFIX = r"-[IVXLC]+\b"
SCALE_WORDS = ("million", "billion", "thousand")
_CARDINAL = r"(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|fifty|hundred)"
NUMBER_WORDS = (
    r"\b(?:one|two|three|four|a)[ -](?:half|halves|thirds?|quarters?|fifths?|tenths?)\b(?![ -](?:year|yearly))",
    r"(?<!first )(?<!second )\bhalf\b(?![ -](?:year|yearly))",
    r"(?<!in )\b(?:dozens|scores|hundreds|thousands|millions|billions) of\b",  # not a unit: "in thousands of"
    r"\b(?:twice|thrice|several-fold|many-fold|" + _CARDINAL + r"-?fold)\b",
    r"\b" + _CARDINAL + r"-(?:year|month|week|day|hour|times?)\b",
)
APPROXIMATION = ("about", "approximately", "around", "roughly", "nearly", "almost", "some", "circa", "c.")


@dataclass(frozen=True)
class NumberRules:
    """What counts as an exempt number: a project may set each under ``reportkit: prose-numbers:``."""

    months: tuple[str, ...] = MONTHS
    reference_words: tuple[str, ...] = REFERENCE_WORDS
    legal_suffix: str = LEGAL_SUFFIX
    scale_words: tuple[str, ...] = SCALE_WORDS
    small: int = 10
    years: tuple[int, int] = (1700, 2100)
    generated_folder: str = "generated"
    number_words: tuple[str, ...] = NUMBER_WORDS
    approximation: tuple[str, ...] = APPROXIMATION

    @classmethod
    def from_settings(cls, options: dict | None, generated_folder: str = "generated") -> NumberRules:
        """Rules from the ``prose-numbers`` mapping (keys with hyphens; lists as YAML lists)."""
        options = options or {}
        values = {"generated_folder": generated_folder}
        for name in ("months", "reference_words", "scale_words", "number_words", "approximation"):
            if name.replace("_", "-") in options:
                values[name] = tuple(str(v) for v in options[name.replace("_", "-")])
        if "legal-suffix" in options:
            values["legal_suffix"] = str(options["legal-suffix"])
        if "small" in options:
            values["small"] = int(options["small"])
        if "years" in options:
            first, last = options["years"]
            values["years"] = (int(first), int(last))
        return cls(**values)

    @cached_property
    def _patterns(self) -> dict[str, re.Pattern]:
        months = "(?:" + "|".join(map(re.escape, self.months)) + r")\.?"
        words = "|".join(map(re.escape, self.reference_words))
        return {
            "dates": [
                re.compile(rf"\b(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\s+(?:of\s+)?{months}(?![A-Za-z])", re.I),
                re.compile(rf"\b{months}\s+(?:[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\b", re.I),
            ],
            "reference": re.compile(rf"(?:\b(?:{words})\.?|№|§)\s*(?:\d+[.,]?\s*(?:and|or|to|–|-)?\s*)*$", re.I),
            "legal": re.compile(self.legal_suffix),
            "words": re.compile("|".join(f"(?:{w})" for w in self.number_words), re.I) if self.number_words else None,
            "approximately": re.compile(r"(?:^|\W)(?:" + "|".join(map(re.escape, self.approximation)) + r")\s*$", re.I),
            "scale": re.compile(r"\s*(?:[–-]\s*\d+(?:\.\d+)?\s*)?(?:" + "|".join(map(re.escape, self.scale_words))
                                + r")\b", re.I),
        }


DEFAULT_RULES = NumberRules()

# Removed from a line before numbers are looked for (order matters: spans before attributes).
_STRIP = [
    re.compile(r"\[(?:\\.|[^\]\\])*\]\{\." + re.escape(VALUE_CLASS) + r"[^}]*\}"),  # substituted variables
    re.compile(r"`+[^`]*`+"),                                  # inline code
    re.compile(r"\$[^$\s][^$]*\$"),                            # inline math
    re.compile(r"<!--.*?-->"),                                 # one-line HTML comments
    re.compile(r"<(?:https?|ftp|mailto):[^>]*>"),              # autolinks
    re.compile(r"\]\([^)]*\)"),                                # link and image targets
    re.compile(r"\{[^{}]*\}"),                                 # attribute blocks
    re.compile(r"\[[^\[\]]*@[^\[\]]*\]"),                      # bracketed citations, with locators
    re.compile(r"\[\^[^\]]*\]"),                               # footnote marks
    re.compile(r"(?<![\w.])-?@[\w:.#$%&+?<>~/-]*\w"),          # in-text citations, cross-references
    re.compile(r"\b(?:https?://|www\.)\S+"),                   # bare URLs
    re.compile(r"\bdoi:\s*\S+", re.I),                         # DOIs
    re.compile(r"\b\d{4}-\d{2}(?:-\d{2})?\b"),                 # ISO dates
]
NUMBER = re.compile(
    r"(?<![\w.,])(?P<sign>[+\-−–]?)(?P<int>\d{1,3}(?:[,\u00a0\u202f]\d{3})+|\d+)(?P<dec>\.\d+)?"
    r"(?P<pct>\s?%|\s(?:per\s?cent|percent)\b)?"
)
_BLOCK_SKIP = re.compile(r"^\s*(?:#{1,6}\s|\||:{3,}|\+[-=:]|<!--|-->|\$\$|\\\[|---\s*$)")
_SHORTCODE = re.compile(r"\{\{<.*?>\}\}")


@dataclass
class Finding:
    """A number token found in a line of text; ``column`` is 0-based in the cleaned line."""

    token: str
    column: int
    rule: str = RULE


def clean(line: str, rules: NumberRules = DEFAULT_RULES) -> str:
    """The line with everything that is not running prose blanked out (same length kept)."""
    for pattern in _STRIP + rules._patterns["dates"]:
        line = pattern.sub(lambda m: " " * len(m.group(0)), line)
    return line


def _exempt(match: re.Match, text: str, rules: NumberRules) -> bool:
    whole, dec, pct = match.group("int"), match.group("dec"), match.group("pct")
    start, end = match.start("int"), match.end()
    before, after = text[:start], text[end:]
    if before[-1:].isalpha() or before[-1:] == "_" or re.search(r"[A-Za-z]-$", before):
        return True  # identifier: M04, H1, COVID-19
    if rules._patterns["legal"].match(after) or re.match(r"(?:st|nd|rd|th)\b", after):
        return True  # legal number 477-IV, ordinal 20th
    if rules._patterns["reference"].search(before):
        return True  # Section 3, Decree No. 961, p. 12
    if re.search(r"\b(?:17|18|19|20)\d{2}[/–-]$", before) and len(whole) == 2 and not dec and not pct:
        return True  # second year of a short range: 2025/26, 2023–27
    plain = whole.isdigit() and not dec and not pct
    if plain and len(whole) == 4 and rules.years[0] <= int(whole) <= rules.years[1] and not match.group("sign"):
        return True  # a year (also 1990s)
    if plain and int(whole) <= rules.small and not rules._patterns["scale"].match(after):
        return True
    return False


VALUE_SPAN = re.compile(r"\[((?:\\.|[^\]\\])*)\]\{\." + re.escape(VALUE_CLASS) + r"[^}]*\}")


def significant_digits(number: str) -> int:
    """Significant digits of a printed number: ``10,712.3`` → 6, ``586,653`` → 6, ``587,000`` → 3."""
    digits = re.sub(r"\D", "", number.split(".")[0]).lstrip("0")
    if "." in number:
        return len(digits + number.split(".")[1]) if digits else len(number.split(".")[1].lstrip("0"))
    return len(digits.rstrip("0"))


def value_precision(line: str, rules: NumberRules = DEFAULT_RULES) -> list[Finding]:
    """Quoted values shown with false precision (see the module's docstring)."""
    found = []
    for span in VALUE_SPAN.finditer(line):
        for match in NUMBER.finditer(span.group(1)):
            token = match.group(0).strip()
            digits = significant_digits(match.group("int") + (match.group("dec") or ""))
            approximate = rules._patterns["approximately"].search(line[:span.start()])
            if (match.group("dec") and digits > 4) or (approximate and digits > 3):
                found.append(Finding(token, span.start(), "value.precision"))
    return found


def scan_line(line: str, rules: NumberRules = DEFAULT_RULES) -> list[Finding]:
    """Number tokens and number words in one line of prose that should be variables, and quoted values
    shown with false precision."""
    text = clean(line, rules)
    found = []
    for match in NUMBER.finditer(text):
        if match.group("int") and not _exempt(match, text, rules):
            found.append(Finding(match.group(0).strip(), match.start()))
    if rules._patterns["words"] is not None:
        found += [Finding(m.group(0), m.start(), "prose.number-word") for m in rules._patterns["words"].finditer(text)]
    return found + value_precision(line, rules)


def _is_generated(location: Location | None, folder: str) -> bool:
    return location is not None and folder in Path(location.file).parts


def scan_body(lines: Iterable[tuple[str, Location | None]], rules: NumberRules = DEFAULT_RULES) -> list[Problem]:
    """Problems for every typed number in the prose of a document body, given line by line with
    the location each line came from."""
    problems: list[Problem] = []
    in_fence = in_math = in_comment = False
    for line, location in lines:
        stripped = line.strip()
        if FENCE.match(line):
            in_fence = not in_fence
            continue
        if in_comment:
            in_comment = "-->" not in line
            continue
        if stripped.startswith("<!--") and "-->" not in stripped:
            in_comment = True
            continue
        if "$$" in line or stripped in ("\\[", "\\]"):
            if line.count("$$") % 2 == 1 or stripped in ("\\[", "\\]"):
                in_math = not in_math  # display math opens or closes on this line
            continue
        if in_fence or in_math or _BLOCK_SKIP.match(line) or _is_generated(location, rules.generated_folder):
            continue
        problems += [_problem(f, location) for f in scan_line(line, rules)]
    return problems


def scan_abstract(front_matter: str, file: Path | str, first_line: int = 2,
                  rules: NumberRules = DEFAULT_RULES) -> list[Problem]:
    """Typed numbers in the ``abstract`` of a document's raw front matter (shortcodes removed);
    ``first_line`` is the file line of the front matter's first line."""
    problems, inside = [], False
    for index, line in enumerate(front_matter.splitlines()):
        if re.match(r"^abstract\s*:", line):
            inside, line = True, line.split(":", 1)[1]
        elif inside and re.match(r"^\S", line):
            break
        if inside:
            line = _SHORTCODE.sub(lambda m: " " * len(m.group(0)), line)
            problems += [_problem(f, Location(file, index + first_line)) for f in scan_line(line, rules)]
    return problems


MESSAGES = {
    RULE: "number typed into prose: '{}' (quote computed values with {{{{< var ... >}}}})",
    "prose.number-word": "number word states a quantity: '{}' (quote the value with {{{{< var ... >}}}}, or say it without a number)",
    "value.precision": "quoted value shows more precision than it has: '{}' (round it where it is computed)",
}


def _problem(finding: Finding, location: Location | None) -> Problem:
    return Problem(finding.rule, MESSAGES[finding.rule].format(finding.token), location, subject=finding.token)
