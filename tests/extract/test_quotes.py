"""Quotes on news sentences: marks, split and multi-paragraph quotes, speakers, targets, stance."""

from __future__ import annotations

import hashlib

import pytest

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.extract.quote_marks import find_quoted
from dossier.extract.quotes import QuoteExtractor
from dossier.settings import Settings


def parse(models, body: str, lead: str = ""):  # type: ignore[no-untyped-def]
    raw = lead + body
    article = CleanArticle(
        doc_id=hashlib.sha256(raw.encode()).hexdigest(), name="story.txt", source="story.txt", raw=raw,
        media_type="text", body=body, offsets=OffsetMap(((0, len(lead), len(body)),)),
        published=PublishedDate("2023-05-10", "day", "test"),
    )
    return models.parser.parse([article])[0]


@pytest.fixture(scope="module")
def quotes(models):  # type: ignore[no-untyped-def]
    extractor = models.extractor.quotes
    assert isinstance(extractor, QuoteExtractor)
    return lambda body: extractor.extract(parse(models, body))


def rows(found):  # type: ignore[no-untyped-def]
    return [(q.speaker.name, q.text) for q in found]


MARK_CASES = [  # body, the quoted texts
    ('He said "we will not back down" and left.', ["we will not back down"]),
    ("He said “we will not back down” and left.", ["we will not back down"]),
    ("The paper called it ‘a betrayal of the voters’ in an editorial.", ["a betrayal of the voters"]),
    ("Myanmar’s army and the protesters’ leaders met.", []),
    ("“First paragraph of the speech.\n\n“Second paragraph of it,” she said.",
     ["First paragraph of the speech.", "Second paragraph of it,"]),
]


@pytest.mark.parametrize("body, texts", MARK_CASES)
def test_quotes_marks_found(body, texts):  # type: ignore[no-untyped-def]
    assert [body[q.start:q.end] for q in find_quoted(body)] == texts


def test_quotes_straight_quote_with_speaker_after(quotes):  # type: ignore[no-untyped-def]
    found = quotes('"The sanctions will hurt ordinary people," said Anna Petrova, an analyst at the Carnegie '
                   "Endowment.")
    assert rows(found) == [("Anna Petrova", "The sanctions will hurt ordinary people,")]


def test_quotes_curly_quote_keeps_comma_inside_marks(quotes):  # type: ignore[no-untyped-def]
    found = quotes("“We will never accept this illegal annexation,” Foreign Minister Dmytro Kuleba said on Tuesday.")
    assert rows(found) == [("Dmytro Kuleba", "We will never accept this illegal annexation,")]


def test_quotes_split_quote_gives_two_quotes_one_speaker(quotes):  # type: ignore[no-untyped-def]
    found = quotes("“This is a deal that strengthens our friendship,” Chinese Premier Li Qiang said, "
                   "“and it opens a new chapter of cooperation.”")
    assert rows(found) == [
        ("Li Qiang", "This is a deal that strengthens our friendship,"),
        ("Li Qiang", "and it opens a new chapter of cooperation."),
    ]


def test_quotes_multi_sentence_quote_is_one(quotes):  # type: ignore[no-untyped-def]
    found = quotes("“The border is closed. No trucks will pass until the talks resume,” Interior Minister "
                   "Mohsin Naqvi said.")
    assert rows(found) == [("Mohsin Naqvi", "The border is closed. No trucks will pass until the talks resume,")]


def test_quotes_standalone_paragraph_continues_last_speaker(quotes):  # type: ignore[no-untyped-def]
    body = ("“Our forces are ready,” Defence Minister Rustem Umerov said.\n\n"
            "“We have trained for this moment for two years.”")
    assert [name for name, _ in rows(quotes(body))] == ["Rustem Umerov", "Rustem Umerov"]


def test_quotes_fragment_kept_scare_quote_dropped(quotes):  # type: ignore[no-untyped-def]
    body = ("Kenyan President William Ruto urged donors to “act now before it is too late”. "
            "He called the delays “shameful”.")
    assert rows(quotes(body)) == [("William Ruto", "act now before it is too late")]


def test_quotes_he_said_resolves_to_named_person(quotes):  # type: ignore[no-untyped-def]
    body = ("Prime Minister Anwar Ibrahim met investors in Kuala Lumpur on Monday. "
            "“We do not support unilateral sanctions,” he told reporters.")
    assert rows(quotes(body)) == [("Anwar Ibrahim", "We do not support unilateral sanctions,")]


def test_quotes_who_said_resolves_to_antecedent(quotes):  # type: ignore[no-untyped-def]
    body = ("Egyptian Foreign Minister Sameh Shoukry met Antony Blinken, who said, “our partnership has never "
            "been stronger,” according to the State Department.")
    assert rows(quotes(body)) == [("Antony Blinken", "our partnership has never been stronger,")]


def test_quotes_statement_said_resolves_to_its_owner(quotes):  # type: ignore[no-untyped-def]
    body = ("The European Commission’s statement called for restraint.\n\n"
            "“The bombing of hospitals is unacceptable and must stop immediately,” the statement said.")
    assert rows(quotes(body)) == [("European Commission",
                                   "The bombing of hospitals is unacceptable and must stop immediately,")]


def test_quotes_quoted_as_telling_names_the_one_quoted(quotes):  # type: ignore[no-untyped-def]
    body = ("“We value this partnership above all,” Xinhua quoted Chinese Defence Minister Dong Jun as telling "
            "his Cambodian counterpart.")
    assert [name for name, _ in rows(quotes(body))] == ["Dong Jun"]


def test_quotes_described_by_agent(models):  # type: ignore[no-untyped-def]
    parsed = parse(models, "The drones were described by the Pentagon as “a serious escalation of the conflict”.")
    (quote,) = models.extractor.quotes.extract(parsed)
    assert quote.speaker.entity_key is not None
    assert "Pentagon" in parsed.entity(quote.speaker.entity_key).aliases


def test_quotes_without_speaker_are_skipped(quotes):  # type: ignore[no-untyped-def]
    assert quotes("“It is not a good deal for Pakistan,” he said.") == ()


STANCE_CASES = [
    ("“Russia is complicit in the regime’s crimes against civilians,” Human Rights Watch director Tirana "
     "Hassan said.", "condemn"),
    ("“We are deeply grateful for India’s support,” Sri Lankan President Ranil Wickremesinghe told Prime "
     "Minister Narendra Modi.", "support"),
    ("UN Secretary-General Antonio Guterres urged both sides to “return to the negotiating table”.", "request"),
    ("“The talks covered trade and shipping routes,” Turkish Foreign Minister Hakan Fidan said.", "neutral"),
    ("“We do not support these unilateral sanctions,” Malaysian Prime Minister Anwar Ibrahim said.", "condemn"),
    ("Indonesian President Joko Widodo discussed “maritime security and fisheries” with Japan’s prime minister.",
     "neutral"),
]


@pytest.mark.parametrize("body, stance", STANCE_CASES)
def test_quotes_stance(quotes, body, stance):  # type: ignore[no-untyped-def]
    (quote,) = quotes(body)
    assert quote.stance == stance


def test_quotes_target_is_the_object_of_the_speech_verb(quotes):  # type: ignore[no-untyped-def]
    (quote,) = quotes("German Chancellor Olaf Scholz described Poland as “a reliable partner and friend”.")
    assert quote.target is not None and quote.target.name == "Poland"


def test_quotes_evidence_is_the_quoted_text_at_its_offsets(models):  # type: ignore[no-untyped-def]
    lead = "Ministers meet\n\n"
    body = "“We will defend every inch of our land,” Defence Minister Yoav Gallant said."
    parsed = parse(models, body, lead=lead)
    (quote,) = models.extractor.quotes.extract(parsed)
    ev = quote.evidence
    assert ev.text == quote.text == "We will defend every inch of our land,"
    assert body[ev.body_start:ev.body_end] == ev.text
    assert parsed.article.raw[ev.start:ev.end] == ev.text


def test_quotes_reported_speech_only_when_enabled(models, settings):  # type: ignore[no-untyped-def]
    body = "Foreign Minister Penny Wong said that Australia would reopen its embassy in Kyiv."
    parsed = parse(models, body)
    assert models.extractor.quotes.extract(parsed) == ()
    values = {**settings.values, "quotes": {**settings.values.get("quotes", {}), "indirect": True}}
    on = QuoteExtractor(Settings(values=values, extra_files=settings.extra_files)).extract(parsed)
    assert [(q.speaker.name, q.direct) for q in on] == [("Penny Wong", False)]
    assert "Australia would reopen its embassy" in on[0].text


def test_quotes_he_said_follows_the_attribution_chain(quotes):  # type: ignore[no-untyped-def]
    # the last person named (inside the reported clause) is not the one speaking
    body = ('Canadian Prime Minister Justin Trudeau said Meng Wanzhou had "broken no law" and that Ottawa was '
            'working for the release of its citizens. "Diplomacy is not a weapon," he said.')
    assert [name for name, _ in rows(quotes(body))] == ["Justin Trudeau", "Justin Trudeau"]


SPEAKER_CASES = [  # body, speaker
    ("“These are deeply disturbing reports,” UN High Commissioner for Refugees Karl Brenner said in a statement.",
     "Karl Brenner"),
    ("Japan's defence ministry said the patrols were “purely defensive in nature”.", "Japanese Ministry of Defence"),
    ("French ambassador Nicolas de Riviere said the vote showed that “the council stands firm” on the issue.",
     "Nicolas de Riviere"),
    ("The UN Human Rights Council adopted a text on Friday.\n\nThe resolution “strongly condemns the use of force "
     "against peaceful protesters”, wording that several states had opposed.", "UN Human Rights Council"),
]


@pytest.mark.parametrize("body, speaker", SPEAKER_CASES)
def test_quotes_speaker_is_the_person_body_or_document_owner(quotes, body, speaker):  # type: ignore[no-untyped-def]
    assert [name for name, _ in rows(quotes(body))] == [speaker]


ATTITUDE_CASES = [  # the speaker's attitude: praise, defence, appeals, criticism
    ("“The exercises do not pose a threat to our neighbours,” Defence Minister Richard Marles said.", "support"),
    ("“Open the border crossings and feed the children,” Secretary-General Kofi Annan told the council.", "request"),
    ("Polish President Andrzej Duda called the vote “a clear signal of unity” and urged allies to do more.",
     "support"),
    ("“We will keep pressing for Maria's release,” the paper's editor John Smith said.", "support"),
    ("“Moscow has isolated itself,” British Foreign Secretary James Cleverly said.", "condemn"),
    ("Asked by reporters whether Beijing would help, Chinese Premier Li Qiang said: “We are old friends and good "
     "neighbours.”", "support"),
    ("Kremlin spokesman Dmitry Peskov said such talks must be held “in complete secrecy”.", "neutral"),
    ("“The shipments were deliberately aimed against civilians,” Foreign Minister Dmytro Kuleba said.", "condemn"),
]


@pytest.mark.parametrize("body, stance", ATTITUDE_CASES)
def test_quotes_stance_from_the_speakers_attitude(quotes, body, stance):  # type: ignore[no-untyped-def]
    (quote,) = quotes(body)
    assert quote.stance == stance
