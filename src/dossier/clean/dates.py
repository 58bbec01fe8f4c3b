"""The story's publication date: printed dates, datelines, and inference from the text.

Order of evidence (each step says what it used in `basis`):

1. a "first published"/"originally published" note;
2. a date printed in the page: the page's own date (HTML metadata via htmldate), a date
   line a scraper put at the top, a "Published" line, a byline date, a date from the
   container (JSONL/WARC);
3. unless the story gives a past day well after the printed date (a stale template date: the
   latest such day is taken), or that printed date is a re-publication: far later than every dated fact of the
   story while the story speaks of "Friday", "last week" as news; then the story's own
   date is inferred (steps 4-8) and `basis` says the page date was set aside;
4. a dateline with a full date ("YANGON, March 26, 2021 (Reuters) -");
5. a day known without its year (dateline "Bangkok, Jun 28 (EFE)", or "a day ahead of
   <a named day in the calendar>") plus a weekday said in the lead ("reported Monday"):
   the first year, from the latest year the text mentions, in which that day is that weekday;
6. a day known without its year and no weekday: its first occurrence after the latest
   dated fact;
7. a date in the name of an image file of the page (an upload date): month precision;
8. the latest absolute date the text mentions as past: year precision;
9. nothing: precision `unknown`, never a made-up date.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from dossier.clean.patterns import Observance
from dossier.clean.records import Precision, PublishedDate, iso_at_precision

MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_MONTH = (
    r"(?P<mon>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?|"
    r"Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_YEAR = r"(?P<year>(?:19|20)\d\d)"
_DAY = r"(?P<day>[0-3]?\d)(?:st|nd|rd|th)?"
_PATTERNS = [
    re.compile(r"\b(?P<iso>(?:19|20)\d\d)-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b"),
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b"),
    re.compile(r"\b(?P<n1>[0-3]?\d)[/.-](?P<n2>[0-3]?\d)[/.-](?P<ny>(?:19|20)\d\d)\b"),
    re.compile(rf"\b{_MONTH},?\s+(?:of\s+)?{_YEAR}\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY}\b(?![,\s]*\d)"),
    re.compile(rf"\b{_DAY}\s+{_MONTH}(?![,\s]*\d)"),
]
# A year alone: not part of a number ("2,021"), an amount ("$2020") or a count ("2000 troops").
_LONE_YEAR = re.compile(
    r"(?<![\d,.$€£¥#-])\b(?P<year>19[5-9]\d|20[0-4]\d)\b(?![\d%]|[.,]\d|\s+(?:people|persons|troops|soldiers|"
    r"civilians|men|women|children|units|tons|tonnes|km|kilometres|kilometers|miles|metres|meters|feet|"
    r"dollars|euros|rupees|rubles|roubles|yuan|pounds))"
)
_FUTURE = re.compile(
    r"\b(?:will|shall|would be held|to be held|scheduled|plans? to|planning to|next (?:week|month|year)|"
    r"upcoming|expected to|due to|set to|intends? to|by the end of)\b",
    re.IGNORECASE,
)
_WEEKDAY = re.compile(r"\b(Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b")
_NEWS_RELATIVE = re.compile(
    r"\b(?:on|last|this|since|from|until)?\s*(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b|"
    r"\b(?:yesterday|today|tonight|this week|last week|last month|last year|earlier this (?:week|month|year))\b",
    re.IGNORECASE,
)
_DATELINE = re.compile(
    rf"^[^\n.]{{0,40}}?\b{_MONTH}\s+(?P<day>[0-3]?\d)(?:,\s*{_YEAR})?\s*(?:\([^)]{{2,40}}\))?\s*(?:\.?\s*[-–—:]|\.-)"
)
FIRST_PUBLISHED = re.compile(r"\b(?:first|originally) published\b(?:\s+(?:on|in))?\s*:?\s*", re.IGNORECASE)
_FILE_DATE = re.compile(
    r"(?<!\d)(?:(?P<a>(?:19|20)\d\d)[-_/]?(?P<b>[01]\d)[-_/]?(?P<c>[0-3]\d)|(?P<x>[0-3]\d)(?P<y>[0-3]\d)(?P<z>(?:19|20)\d\d))(?!\d)"
)
_RELATIVE_ANCHOR = re.compile(
    r"\b(?P<rel>(?:a|one) day (?:ahead of|before)|on the eve of|the day (?:before|ahead of)|"
    r"two days (?:ahead of|before)|(?:a|one) day after|the day after|on)\b",
    re.IGNORECASE,
)
_REL_SHIFT = {"on the eve of": -1, "the day before": -1, "the day ahead of": -1, "a day ahead of": -1,
              "one day ahead of": -1, "a day before": -1, "one day before": -1, "two days ahead of": -2,
              "two days before": -2, "a day after": 1, "one day after": 1, "the day after": 1, "on": 0}


@dataclass(frozen=True, slots=True)
class Mention:
    """A date written in the text; missing parts are None."""

    year: int | None
    month: int | None
    day: int | None
    text: str
    start: int
    future: bool = False

    def earliest(self) -> date | None:
        """The first day the mention can mean, when it has a year."""
        if self.year is None:
            return None
        return _safe_date(self.year, self.month or 1, self.day or 1)

    @property
    def precision(self) -> Precision:
        """How much of the date the mention gives."""
        if self.year is None:
            return "unknown"
        return "day" if self.day else "month" if self.month else "year"


def _safe_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month(name: str) -> int:
    return MONTHS[name[:3].casefold()]


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(". ", 0, pos), text.rfind("\n", 0, pos)) + 1
    ends = [e for e in (text.find(". ", pos), text.find("\n", pos)) if e >= 0]
    return start, min(ends) if ends else len(text)


def find_mentions(text: str, *, day_first: bool = True) -> list[Mention]:
    """Return every date written in `text`, in order; a part the text does not give is None.

    Numeric dates (`12-5-2022`) are read day-first unless `day_first` is False or the
    first number cannot be a month's day order (13 and above).
    """
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []

    def free(a: int, b: int) -> bool:
        return all(b <= s or a >= e for s, e in taken)

    for pattern in _PATTERNS:
        for m in pattern.finditer(text):
            if not free(m.start(), m.end()):
                continue
            g = m.groupdict()
            year = month = day = None
            if g.get("iso"):
                year, month, day = int(g["iso"]), int(g["m"]), int(g["d"])
            elif g.get("n1"):
                a, b, year = int(g["n1"]), int(g["n2"]), int(g["ny"])
                if a > 12 or (day_first and b <= 12):
                    day, month = a, b
                else:
                    month, day = a, b
            else:
                month = _month(g["mon"])
                year = int(g["year"]) if g.get("year") else None
                day = int(g["day"]) if g.get("day") else None
            if month is not None and not 1 <= month <= 12:
                continue
            if day is not None and not 1 <= day <= 31:
                continue
            if g.get("mon") == "May" and day is None and year is None:
                continue
            taken.append((m.start(), m.end()))
            found.append(Mention(year, month, day, m.group(0), m.start()))
    for m in _LONE_YEAR.finditer(text):
        if free(m.start(), m.end()):
            found.append(Mention(int(m.group("year")), None, None, m.group(0), m.start()))
    result = []
    for mention in sorted(found, key=lambda x: x.start):
        s, e = _sentence_bounds(text, mention.start)
        future = bool(_FUTURE.search(text[s:e]))
        result.append(Mention(mention.year, mention.month, mention.day, mention.text, mention.start, future))
    return result


@dataclass(frozen=True, slots=True)
class DateEvidence:
    """Everything the date rules read from one document."""

    body: str
    printed: Sequence[tuple[str, date, str]] = ()  # (kind, date, what) in order of trust
    other_text: Sequence[str] = ()  # captions, file names and clutter lines of the page
    first_published: str | None = None  # the line of a "first published" note, when any
    day_first: bool = True
    today: date | None = None


@dataclass(frozen=True, slots=True)
class _Anchor:
    month: int
    day: int
    year: int | None
    what: str


class DateFinder:
    """Applies the date rules with the named days of the data files."""

    def __init__(self, observances: Iterable[Observance], *, republication_years: int, stale_days: int = 30) -> None:
        self.observances = tuple(observances)
        self.republication_years = republication_years
        self.stale_days = stale_days
        self.today: date | None = None

    def find(self, ev: DateEvidence) -> PublishedDate:
        """Return the story's date with its precision and the reasoning in `basis`."""
        today = ev.today or date.today()
        self.today = today
        mentions = find_mentions(ev.body, day_first=ev.day_first)
        side = [m for t in ev.other_text for m in find_mentions(t, day_first=ev.day_first)]
        facts = [m for m in (*mentions, *side) if m.year is not None and not m.future]
        facts = [m for m in facts if (d := m.earliest()) is not None and d <= today]
        # 1. A "first published" note.
        if ev.first_published:
            noted = [m for m in find_mentions(ev.first_published, day_first=ev.day_first) if m.year]
            if noted and (d := noted[0].earliest()):
                prec = noted[0].precision
                return PublishedDate(iso_at_precision(d, prec), prec, f"first-published note {noted[0].text!r}")
        # 2. A printed date, unless it is a re-publication.
        if ev.printed:
            kind, printed, what = ev.printed[0]
            if printed <= today + timedelta(days=1):
                reason = self._republication(printed, facts, ev.body)
                stale = self._stale(printed, mentions)
                if stale is not None:
                    d, text = stale
                    basis = (
                        f"the {kind} {what!r} is earlier than a dated fact of the story ({text!r}), so it is a "
                        "stale page date; the latest day the story gives is taken"
                    )
                    return PublishedDate(d.isoformat(), "day", basis)
                if reason is None:
                    return PublishedDate(printed.isoformat(), "day", f"{kind} {what!r}")
                own = self._infer(ev, mentions, facts, upper=printed, side=side)
                # Only a story date the text pins to the day overrides the page's date.
                if own.date is not None and own.precision == "day" and own.date < printed.isoformat():
                    basis = f"the page date {what!r} is a re-publication ({reason}); {own.basis}"
                    return PublishedDate(own.date, own.precision, basis)
                return PublishedDate(printed.isoformat(), "day", f"{kind} {what!r}")
        return self._infer(ev, mentions, facts, upper=today, side=side)

    def _stale(self, printed: date, mentions: list[Mention]) -> tuple[date, str] | None:
        """The latest past day the body gives when it is well after the printed date, else None."""
        days = [(d, m.text) for m in mentions if m.precision == "day" and not m.future and (d := m.earliest())]
        later = [(d, t) for d, t in days if (d - printed).days > self.stale_days and d <= (self.today or date.today())]
        return max(later) if later else None

    def _republication(self, printed: date, facts: list[Mention], body: str) -> str | None:
        """Why `printed` is not the story's date, or None when it may well be."""
        if not facts:
            return None
        latest = max(m.year for m in facts if m.year is not None)
        if printed.year - latest < self.republication_years:
            return None
        if not _NEWS_RELATIVE.search(body):
            return None
        return (
            f"the latest year the story mentions is {latest}, and it reports its news as recent "
            f"({_NEWS_RELATIVE.search(body).group(0).strip()!r})"  # type: ignore[union-attr]
        )

    def _anchor(self, body: str) -> _Anchor | None:
        head = body.lstrip()[:160]
        m = _DATELINE.match(head)
        if m:
            year = int(m.group("year")) if m.group("year") else None
            what = f"dateline {head[: m.end()].strip(' -–—:.')!r}"
            return _Anchor(_month(m.group("mon")), int(m.group("day")), year, what)
        for obs in self.observances:
            for hit in re.finditer(re.escape(obs.name), body):
                before = body[max(0, hit.start() - 90) : hit.start()]
                if obs.country and obs.country not in before[-40:]:
                    continue
                rel = list(_RELATIVE_ANCHOR.finditer(before))
                if not rel:
                    continue
                phrase = rel[-1].group("rel").casefold()
                shift = _REL_SHIFT.get(phrase, 0)
                base = date(2001, obs.month, obs.day) + timedelta(days=shift)  # any non-leap year
                sentence = body[hit.start() - len(before) + rel[-1].start() : hit.end()]
                return _Anchor(base.month, base.day, None, f"{sentence!r} ({obs.name}: {obs.month}-{obs.day:02d})")
        return None

    def _lead_weekday(self, body: str) -> tuple[int, str] | None:
        paragraphs = [p for p in body.split("\n") if p.strip()][:2]
        for para in paragraphs:
            m = _WEEKDAY.search(para)
            if m:
                s, _ = _sentence_bounds(para, m.start())
                lo = max(s, m.start() - 30)
                lo = para.find(" ", lo) + 1 if lo > s else lo
                return WEEKDAYS.index(m.group(1).casefold()), para[lo : m.end()].strip()
        return None

    def _infer(
        self, ev: DateEvidence, mentions: list[Mention], facts: list[Mention], *, upper: date, side: list[Mention]
    ) -> PublishedDate:
        latest = max((m for m in facts), key=lambda m: m.earliest() or date.min, default=None)
        lower_year = max((m.year for m in facts if m.year is not None), default=None)
        anchor = self._anchor(ev.body)
        # 4. A dateline with its year.
        if anchor and anchor.year:
            d = _safe_date(anchor.year, anchor.month, anchor.day)
            if d:
                return PublishedDate(d.isoformat(), "day", anchor.what)
        # 5. A day without its year and the weekday of the lead.
        if anchor and lower_year is not None:
            wd = self._lead_weekday(ev.body)
            if wd is not None:
                for year in range(lower_year, upper.year + 1):
                    d = _safe_date(year, anchor.month, anchor.day)
                    if d and d <= upper and d.weekday() == wd[0]:
                        basis = (
                            f"{anchor.what} gives the day without a year; the lead says {wd[1]!r}; "
                            f"{d:%d %B} is a {WEEKDAYS[wd[0]].title()} in {year}, the first such year from "
                            f"{lower_year}, the latest year the text mentions"
                        )
                        return PublishedDate(d.isoformat(), "day", basis)
            # 6. No weekday: the first occurrence after the latest dated fact.
            elif latest is not None and (after := latest.earliest()) is not None:
                for year in (after.year, after.year + 1):
                    d = _safe_date(year, anchor.month, anchor.day)
                    if d and after <= d <= upper:
                        basis = (
                            f"{anchor.what} gives the day without a year; the first such day after the latest "
                            f"dated fact {latest.text!r}"
                        )
                        return PublishedDate(d.isoformat(), "day", basis)
        # 7. A date in an image file name of the page: an upload date, so month precision.
        latest_day = (latest.earliest() if latest else None) or date.min
        for text in ev.other_text:
            if not re.search(r"\.(jpe?g|png|gif|webp|avif)\b", text, re.IGNORECASE):
                continue
            for m in _FILE_DATE.finditer(text):
                if m.group("a"):
                    d = _safe_date(int(m.group("a")), int(m.group("b")), int(m.group("c")))
                else:
                    x, y, z = int(m.group("x")), int(m.group("y")), int(m.group("z"))
                    d = _safe_date(z, x, y) or _safe_date(z, y, x)
                if d and latest_day <= d <= upper:
                    basis = f"the page's image file {text!r} carries the date {d.isoformat()} (an upload date)"
                    return PublishedDate(iso_at_precision(d, "month"), "month", basis + self._agree(mentions, d))
        # 8. The latest dated fact gives the year.
        if latest is not None and lower_year is not None:
            basis = (
                f"no date printed; the latest dated fact the text mentions is {latest.text!r}, "
                f"so the story is from {lower_year} or later; year precision"
            )
            return PublishedDate(f"{lower_year:04d}-01-01", "year", basis)
        # 9. Nothing to go on.
        return PublishedDate(None, "unknown", "no date printed and the text gives no year")

    @staticmethod
    def _agree(mentions: list[Mention], d: date) -> str:
        same = [m.text for m in mentions if m.year is None and m.month == d.month and m.day and m.day <= d.day]
        return f"; the text's {same[0]!r} agrees" if same else ""
