# ruff: noqa: E501  (the pages are data: long lines of HTML text)
"""Build examples/corpus/crawl_2023_2024.warc.gz: a small web crawl of three news pages.

Run from the repository root after editing the pages below:

    .venv/bin/python examples/make_warc.py

The archive holds a `warcinfo` record, a `request` record, three HTML `response` records
(the articles) and one `response` record for a robots.txt, which is not an article. Record
dates are fixed so the file is byte-for-byte reproducible except for the gzip headers.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

OUT = Path(__file__).resolve().parent / "corpus" / "crawl_2023_2024.warc.gz"

NUCLEAR = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Myanmar and Russia sign nuclear energy cooperation pact | Southeast Asia Energy Wire</title>
<meta property="og:title" content="Myanmar and Russia sign nuclear energy cooperation pact">
<meta property="og:site_name" content="Southeast Asia Energy Wire">
<meta property="article:published_time" content="2023-02-08T09:00:00+07:00">
</head><body>
<nav>Home | Power | Oil &amp; Gas | Renewables | Nuclear | Events</nav>
<div class="ad">Sponsored: Regional Power Summit 2023 - register now</div>
<article>
<h1>Myanmar and Russia sign nuclear energy cooperation pact</h1>
<p class="byline">By Anan Srisuk | February 8, 2023</p>
<p>Myanmar's military government and Russia's state nuclear corporation Rosatom signed an intergovernmental agreement on the peaceful use of nuclear energy in Moscow on Monday, Rosatom said.</p>
<p>The agreement covers the study of a small modular reactor with a capacity of about 110 megawatts, the training of Myanmar engineers and the creation of a nuclear information centre in Yangon, which opened last year.</p>
<p>Alexei Likhachev, the head of Rosatom, said the two sides would begin a feasibility study this year. Myanmar's science and technology minister Myo Thein Kyaw signed for the junta.</p>
<p>Energy analysts were sceptical. "Myanmar cannot keep the lights on in Yangon today, so a reactor is a political symbol before it is a power plant," said Kanya Phuangthong of the Bangkok-based Mekong Energy Institute.</p>
<p>Myanmar suffers daily power cuts of up to eight hours in its largest cities, according to the electricity ministry.</p>
</article>
<div class="newsletter">Sign up for the Energy Wire daily newsletter</div>
<footer>&copy; 2023 Southeast Asia Energy Wire</footer>
</body></html>
"""

PARTY = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Myanmar's military-backed party signs cooperation deal with United Russia - Yangon Post Online</title>
<meta property="og:title" content="Myanmar's military-backed party signs cooperation deal with United Russia">
<meta property="og:site_name" content="Yangon Post Online">
<meta property="article:published_time" content="2024-06-21T14:20:00+06:30">
</head><body>
<header><a href="/">Yangon Post Online</a><ul><li>Local</li><li>Politics</li><li>Business</li><li>Sport</li></ul></header>
<main><article>
<h1>Myanmar's military-backed party signs cooperation deal with United Russia</h1>
<div class="meta">Politics desk | 21 June 2024 | <a href="#comments">2 comments</a></div>
<p>The Union Solidarity and Development Party, the political arm of Myanmar's military, signed a cooperation agreement with Russia's ruling United Russia party in Moscow on Thursday.</p>
<p>USDP chairman Khin Yi signed the memorandum with Dmitry Medvedev, the chairman of United Russia and deputy head of Russia's Security Council, the party said in a statement.</p>
<p>The two parties agreed to exchange delegations and to "cooperate in the fight against terrorism and foreign interference", according to the statement.</p>
<p>The junta has promised to hold an election, which its opponents say will be neither free nor fair. The National League for Democracy, which won the 2020 election in a landslide, was dissolved in March last year.</p>
<p>The opposition National Unity Government did not comment on the agreement.</p>
</article>
<section id="comments"><p><b>Aye Aye</b>: Who will vote for them?</p><p><b>KMT</b>: Same old story.</p></section>
</main>
<footer>Yangon Post Online &middot; All rights reserved</footer>
</body></html>
"""

JETS = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Junta shows off two more Russian-made fighter jets</title>
<meta property="og:title" content="Junta shows off two more Russian-made fighter jets">
<meta property="og:site_name" content="Mekong Monitor">
<meta property="article:published_time" content="2023-12-16T08:00:00+06:30">
</head><body>
<nav>News | Business | Environment | Opinion | Donate</nav>
<article>
<h1>Junta shows off two more Russian-made fighter jets</h1>
<p class="standfirst">The aircraft bring the air force's fleet of Su-30SME fighters to four.</p>
<div class="share">Share: Facebook | Twitter | WhatsApp</div>
<p>Myanmar's air force displayed two more Su-30SME fighter jets delivered by Russia at a ceremony marking its 76th anniversary in Naypyitaw on Friday, state television reported.</p>
<p>The new aircraft bring the number of Su-30SME jets in service to four, out of six ordered in 2018. The military did not say when the last two would arrive.</p>
<p>Senior General Min Aung Hlaing told the ceremony that the air force would be strengthened "in line with modern warfare". Russian embassy officials attended, state media said.</p>
<p>Rights groups say air strikes have killed hundreds of civilians this year. In one attack in April, more than 160 people died when jets and a helicopter struck a village gathering in Sagaing Region, according to witnesses and the National Unity Government.</p>
<p>Russia has not commented on the delivery.</p>
</article>
<footer>&copy; 2023 Mekong Monitor</footer>
</body></html>
"""

PAGES = [
    ("https://energywire.example/2023/02/08/myanmar-russia-nuclear-pact", "2023-02-08T03:10:00Z", NUCLEAR),
    ("https://yangonpost.example/politics/usdp-united-russia-deal", "2024-06-21T09:00:00Z", PARTY),
    ("https://www.mekongmonitor.example/news/2023/12/two-more-su30", "2023-12-16T02:30:00Z", JETS),
]


def build(out: Path = OUT) -> Path:
    """Write the WARC file and return its path."""
    with out.open("wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        writer.write_record(writer.create_warcinfo_record(
            out.name, {"software": "dossier examples/make_warc.py", "description": "Dossier example crawl"}
        ))
        writer.write_record(writer.create_warc_record(
            PAGES[0][0], "request", payload=BytesIO(b"GET /2023/02/08/myanmar-russia-nuclear-pact HTTP/1.1\r\n"
                                                       b"Host: energywire.example\r\n\r\n"),
            warc_headers_dict={"WARC-Date": PAGES[0][1]},
        ))
        for url, when, html in PAGES:
            body = html.encode("utf-8")
            headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8"),
                                                  ("Content-Length", str(len(body)))], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                url, "response", payload=BytesIO(body), http_headers=headers, warc_headers_dict={"WARC-Date": when}
            ))
        robots = b"User-agent: *\nDisallow: /admin/\n"
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(robots)))],
                                   protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(
            "https://energywire.example/robots.txt", "response", payload=BytesIO(robots), http_headers=headers,
            warc_headers_dict={"WARC-Date": "2023-02-08T03:09:00Z"},
        ))
    return out


if __name__ == "__main__":
    print(build())
