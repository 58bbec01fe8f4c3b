"""Outlet, wire agency, authors and credits of an article.

The outlet is the publishing site, with the wire agency in brackets when the story is
wire copy ("The Daily Star (AFP)"). Site names and wire names come from `outlets.jsonl`;
a site the file does not know is still found from the page (site name, domain, copyright
line, a site-name line of the scraped text).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from dossier.clean.lines import Line, words_of
from dossier.clean.patterns import CleanData, Outlet, norm

_SMALL = frozenset({"to", "of", "the", "and", "&", "for", "in", "on", "a", "an", "at", "by", "de", "la", "el"})
_COPYRIGHT = re.compile(
    r"(?:©|\(c\)|copyright)\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?)?\s*,?\s*(?P<name>[A-Z][\w .&'’-]{2,60}?)"
    r"(?:\s+\d{4})?(?:[.,|]|\s+all rights|\s*$)",
    re.IGNORECASE,
)
_DATELINE_CREDIT = re.compile(
    r"^[A-Z][\w .,'’-]{1,60}?\((?P<w>[A-Z][\w&' -]{1,30}?)\)\s*(?:\.?\s*[-–—:]|\.-)"
)
_CONTACT_VERBS = r"(?:called|contacted|reached|emailed|asked|requested comment from|could not reach)"


def domain_of(url: str | None) -> str | None:
    """Return the host of `url` without a leading "www.", or None."""
    if not url:
        return None
    host = urlsplit(url if "//" in url else f"//{url}").hostname or ""
    host = host.lower()
    return host[4:] if host.startswith("www.") else host or None


class OutletFinder:
    """Finds the publishing site and the wire agency with the outlet data file."""

    def __init__(self, data: CleanData) -> None:
        self.data = data
        self._by_key: dict[str, Outlet] = {}
        for outlet in data.outlets:
            for alias in outlet.aliases:
                self._by_key.setdefault(norm(alias), outlet)
        wire_aliases = sorted({a for w in data.wires() for a in w.aliases}, key=len, reverse=True)
        alt = "|".join(re.escape(a) for a in wire_aliases)
        # Wire credits: "(Reuters)" in a dateline, "EFE" or "- AFP" signing off the story, "AFP -" leading it.
        self._wire_paren = re.compile(rf"\((?P<w>{alt})\)")
        self._wire_signoff = re.compile(rf"""(?:[.!?"”’)]|^)\s*[-–—(]*\s*(?P<w>{alt})\s*\)?\s*$""")
        self._wire_lead = re.compile(rf"^[^\n]{{0,60}}?\b(?P<w>{alt})\s*(?:[-–—:]|\.-)")
        self._wire_only = re.compile(rf"^[-–—(\s]*(?P<w>{alt})\s*\)?\s*(?:contributed to this report\.?)?(?:\s|$)")
        site_aliases = sorted({a for s in data.sites() for a in s.aliases if len(a) > 3}, key=len, reverse=True)
        salt = "|".join(re.escape(a) for a in site_aliases)
        self._site_contact = re.compile(
            rf"\b(?P<s>{salt})\s+{_CONTACT_VERBS}\b|\btold\s+(?:the\s+)?(?P<t>{salt})\b"
        )

    def known(self, name: str | None) -> Outlet | None:
        """Return the known outlet of a name or alias, or None."""
        return self._by_key.get(norm(name)) if name else None

    def by_domain(self, domain: str | None) -> Outlet | None:
        """Return the known outlet whose domain is `domain` or a parent of it."""
        if not domain:
            return None
        for outlet in self.data.outlets:
            if any(domain == d or domain.endswith("." + d) for d in outlet.domains):
                return outlet
        return None

    def wire(self, body: str) -> str | None:
        """Return the wire agency credited in the body's dateline or sign-off, or None.

        A credit in brackets in the dateline ("YANGON, March 27 (Meridian Press) -") names a
        wire even when the data file does not know it.
        """
        head, tail = body[:160], body.rstrip()[-60:]
        for pattern, text in ((self._wire_paren, head), (self._wire_lead, head), (self._wire_signoff, tail)):
            m = pattern.search(text)
            if m:
                found = self.known(m.group("w"))
                if found is not None and found.kind == "wire":
                    return found.name
        m = _DATELINE_CREDIT.match(head)
        if m and all(w[0].isupper() for w in m.group("w").split()):
            known = self.known(m.group("w"))
            return known.name if known is not None else m.group("w")
        return None

    def wire_line(self, text: str) -> str | None:
        """Return the wire named by a sign-off line ("— The Associated Press", "(AFP)"), or None."""
        m = self._wire_only.match(text.strip())
        found = self.known(m.group("w")) if m else None
        return found.name if found is not None and found.kind == "wire" else None

    def site_from_lines(
        self, lines: Sequence[Line], body_ids: set[int], first: int, last: int, title: Line | None
    ) -> tuple[str | None, str]:
        """Return a site name found among the clutter lines of scraped text, and how."""
        outside = [ln for ln in lines if id(ln) not in body_ids]
        # 1. A line that is a known site's name or alias.
        for line in outside:
            known = self.known(line.text)
            if known is not None and known.kind == "site":
                return known.name, f"site-name line {line.text!r}"
        # 2. Clutter lines known to be specific to one site.
        for line in outside:
            key = norm(line.text)
            for outlet in self.data.sites():
                if key in outlet.signatures:
                    return outlet.name, f"site widget line {line.text!r}"
        # 3. A copyright line.
        for line in outside:
            m = _COPYRIGHT.search(line.text)
            if m and line.words <= 15:
                name = m.group("name").strip(" .,")
                known = self.known(name)
                return (known.name if known else name), f"copyright line {line.text!r}"
        # 4. A short title-case line next to the top of the page or right after the body.
        near = [ln for ln in lines[: max(first, 0)][:4]] + [ln for ln in lines[last + 1 : last + 3]]
        for line in near:
            if line is title or id(line) in body_ids or not self._looks_like_site_name(line):
                continue
            if self.wire_line(line.text) is not None:
                continue  # a wire's sign-off, not the publishing site
            return line.text, f"site-name line {line.text!r}"
        return None, ""

    def site_from_body(self, body: str) -> tuple[str | None, str]:
        """Return a known site that the body shows doing its own reporting ("RFA called ...")."""
        m = self._site_contact.search(body)
        if not m:
            return None, ""
        known = self.known(m.group("s") or m.group("t"))
        if known is None:
            return None, ""
        return known.name, f"the body says {m.group(0)!r}"

    def _looks_like_site_name(self, line: Line) -> bool:
        text = line.text
        if line.kind != "heading" or line.reason == "repeated" or re.search(r"[\d.,:;!?|]", text):
            return False
        words = words_of(text)
        if not 2 <= len(words) <= 6 or (len(words) > 4 and words[0] != "The"):
            return False
        if not all(w[0].isupper() or w.casefold() in _SMALL for w in words):
            return False
        sections = self.data.section_words
        return not all(w.casefold() in sections or w.casefold() in _SMALL for w in words)


def compose_outlet(site: str | None, wire: str | None) -> str | None:
    """Return "Site (Wire)", the site alone, or the wire alone."""
    if site and wire and norm(wire) not in norm(site):
        return f"{site} ({wire})"
    return site or wire


_NOT_A_NAME = re.compile(r"\b(reporter|correspondent|staff|desk|bureau|news service|agencies)\b", re.IGNORECASE)
_BY = re.compile(r"^(?:by|written by|story by|words by|authors?)\s*:?\s*", re.IGNORECASE)


def authors_from_bylines(bylines: Sequence[str], wires: Sequence[str] = ()) -> tuple[str, ...]:
    """Return the person names of byline lines ("By Jane Roe and John Doe, Reuters")."""
    found: list[str] = []
    skip = {norm(w) for w in wires}
    for line in bylines:
        rest = _BY.sub("", line.strip())
        rest = re.split(r"\s*[|·]\s*", rest)[0]
        for part in re.split(r"\s*(?:,|\band\b|&)\s*", rest):
            part = part.strip(" .")
            if _NOT_A_NAME.search(part):
                continue
            if part and norm(part) not in skip and 1 <= len(part.split()) <= 4 and part[0].isupper():
                found.append(part)
    return tuple(dict.fromkeys(found))
