"""Outlet, wire agency and authors."""

from __future__ import annotations

import pytest

from dossier.clean.outlets import authors_from_bylines, compose_outlet, domain_of

# (body, wire credited)
WIRES = [
    ("MOSCOW (Reuters) – Russia wants closer ties with Myanmar, state media said.", "Reuters"),
    ("Bangkok, Jun 28 (EFE).- The general returned home. He met officials.", "EFE"),
    ("The general returned home on Sunday, state media said. AFP", "AFP"),
    ("KYIV, Ukraine (AP) — Drones struck the capital overnight, officials said.", "AP"),
    ("Officials said the talks would resume, according to TASS and Reuters reports.", None),
]


@pytest.mark.parametrize("body, wire", WIRES)
def test_outlets_wire_from_dateline_or_signoff(cleaner, body, wire):
    assert cleaner.outlets.wire(body) == wire


def test_outlets_compose_site_and_wire():
    assert compose_outlet("The Daily Star", "AFP") == "The Daily Star (AFP)"
    assert compose_outlet(None, "EFE") == "EFE"
    assert compose_outlet("Reuters", "Reuters") == "Reuters"
    assert compose_outlet(None, None) is None


def test_outlets_known_site_by_domain_and_alias(cleaner):
    assert cleaner.outlets.by_domain(domain_of("https://www.rfa.org/english/news/x.html")).name == "Radio Free Asia"
    assert cleaner.outlets.known("RFA").name == "Radio Free Asia"
    assert cleaner.outlets.by_domain("unknown.example") is None


def test_outlets_site_that_does_its_own_reporting(cleaner):
    body = "Radio Free Asia called the junta spokesman for comment, but his phone rang unanswered."
    assert cleaner.outlets.site_from_body(body)[0] == "Radio Free Asia"
    body = "Khin Yi said in an interview with RIA Novosti that the conflict was terrorism."
    assert cleaner.outlets.site_from_body(body)[0] is None


def test_outlets_copyright_line_names_an_unknown_site(cleaned):
    article = cleaned("scraped_printed.txt")
    assert article.outlet == "Harbour Times"
    assert article.authors == ("Jane Roe", "Omar Haddad")


def test_outlets_authors_from_bylines():
    assert authors_from_bylines(["By Jane Roe and John Doe, Reuters"], ["Reuters"]) == ("Jane Roe", "John Doe")
    assert authors_from_bylines(["By Panu Wongcha | September 14, 2022"]) == ("Panu Wongcha",)


def test_outlets_unknown_wire_from_a_dateline_credit(cleaned):
    article = cleaned("scraped_widgets.txt")
    assert article.wire == "Equator News Service"
    assert article.outlet == "THE LAKESIDE TRIBUNE (Equator News Service)"
    assert article.authors == ()  # "Tribune Staff Reporter" names no person


def test_outlets_wire_signoff_on_its_own_line(cleaner, make_doc):
    raw = (
        "Wildfire forces thousands from homes\n\n"
        "A fast-moving wildfire forced thousands of people from their homes on Sunday as strong winds pushed "
        "the flames toward the edge of the city, fire officials said.\n\n"
        "More than 300 firefighters were battling the blaze, which had burned about 4,000 acres by evening.\n\n"
        "— The Associated Press\n"
    )
    article = cleaner.clean(make_doc(raw, "ap.txt"))
    assert article.wire == "AP"
    assert article.outlet == "AP"
    assert "The Associated Press" not in article.body
