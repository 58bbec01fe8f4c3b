"""Figures on news sentences: number forms, qualifiers, categories, non-figures, as-of, evidence."""

from __future__ import annotations

import hashlib

import pytest

from dossier.clean.records import CleanArticle, OffsetMap, PublishedDate
from dossier.extract.figures import FigureExtractor


def parse(models, body: str, published: str | None = "2023-05-10", precision: str = "day", lead: str = ""):  # type: ignore[no-untyped-def]
    """Parse `body` as an article whose raw text has `lead` before the body."""
    raw = lead + body
    article = CleanArticle(
        doc_id=hashlib.sha256(raw.encode()).hexdigest(), name="story.txt", source="story.txt", raw=raw,
        media_type="text", body=body, offsets=OffsetMap(((0, len(lead), len(body)),)),
        published=PublishedDate(published, precision if published else "unknown", "test"),  # type: ignore[arg-type]
    )
    return models.parser.parse([article])[0]


@pytest.fixture(scope="module")
def figures(models):  # type: ignore[no-untyped-def]
    extractor = models.extractor.figures
    assert isinstance(extractor, FigureExtractor)

    def run(body: str, **kw):  # type: ignore[no-untyped-def]
        return extractor.extract(parse(models, body, **kw))

    return run


def one(found, value):  # type: ignore[no-untyped-def]
    hits = [f for f in found if f.value == pytest.approx(value)]
    assert len(hits) == 1, [(f.value, f.category) for f in found]
    return hits[0]


FORM_CASES = [  # sentence, value, category, unit
    ("Washington froze $12.5m in assets held by the generals, the Treasury said.", 12_500_000, "money", "USD"),
    ("The European Union pledged $20 million in aid for flood victims.", 20_000_000, "money", "USD"),
    ("India's cabinet cleared Rs 250 crore for new patrol boats on Wednesday.", 2_500_000_000, "money", "INR"),
    ("Moscow spent 3.2 billion roubles on the new airfield.", 3_200_000_000, "money", "RUB"),
    ("Officials said 1.2 million people had fled the fighting.", 1_200_000, "displaced", "people"),
    ("The factory will deliver two-thousand shells to the front.", 2_000, "count", "shells"),
    ("One thousand soldiers were deployed to the border region.", 1_000, "count", "soldiers"),
    ("Turkey accounted for 12 percent of arms imports in the region.", 12, "share_percent", "percent"),
    ("China supplied 29% of Pakistan's weapons, the think tank found.", 29, "share_percent", "percent"),
    ("The reactor will have a capacity of 1,200 MW when complete.", 1_200, "capacity", "mw"),
    ("The missile has a range of 500 km, the navy said.", 500, "distance", "km"),
    ("Ukraine asked for more 155mm artillery shells.", 155, "caliber", "mm"),
    ("A military court sentenced the journalist to 10 years in prison.", 10, "sentence", "years"),
]


@pytest.mark.parametrize("sentence, value, category, unit", FORM_CASES)
def test_figures_number_forms_and_units(figures, sentence, value, category, unit):  # type: ignore[no-untyped-def]
    fig = one(figures(sentence), value)
    assert fig.category == category
    assert fig.unit == unit


QUALIFIER_CASES = [
    ("At least 45 people were killed in the blast, the health ministry said.", 45, "at least"),
    ("A minimum of 30 villagers were detained by troops.", 30, "at least"),
    ("More than 200 protesters were arrested in the capital.", 200, "more than"),
    ("Over 5,000 families have been displaced by the floods.", 5_000, "more than"),
    ("Damage in excess of $3 million was reported at the port.", 3_000_000, "more than"),
    ("About 90 people remain in custody, lawyers said.", 90, "about"),
    ("Some 3,000 families fled their homes after the shelling.", 3_000, "about"),
    ("Around 60 people were injured in the clashes.", 60, "about"),
    ("Up to 40 civilians were killed in the strike, officials said.", 40, "at most"),
    ("Police arrested 312 protesters over the weekend.", 312, None),
]


@pytest.mark.parametrize("sentence, value, qualifier", QUALIFIER_CASES)
def test_figures_qualifiers(figures, sentence, value, qualifier):  # type: ignore[no-untyped-def]
    assert one(figures(sentence), value).qualifier == qualifier


CATEGORY_CASES = [
    ("At least 45 people were killed and 120 injured in the attack.", {45: "killed", 120: "injured"}),
    ("Police arrested 312 protesters, and about 90 remain in detention.", {312: "arrested", 90: "detained"}),
    ("Another 2,310 people have been arrested, with 1,870 still in custody.", {2_310: "arrested", 1_870: "detained"}),
    ("The fighting has displaced 40,000 residents of the valley.", {40_000: "displaced"}),
    ("The resolution was adopted with 141 votes in favour, 5 against and 35 abstentions.",
     {141: "votes_for", 5: "votes_against", 35: "abstentions"}),
    ("The measure was approved by 93 countries, with 58 abstaining.", {93: "votes_for", 58: "abstentions"}),
    ("Only one country, Nicaragua, voted against the motion.", {1: "votes_against"}),
    ("The storm caused 25 casualties among the fishermen.", {25: "casualties"}),
    ("The death toll rose to 58 on Sunday, officials said.", {58: "killed"}),
    ("Troops killed 300 civilians, including 40 women and 25 children.", {300: "killed", 40: "killed", 25: "killed"}),
    ("The minister has visited Beijing three times since 2020.", {3: "count"}),
]


@pytest.mark.parametrize("sentence, expected", CATEGORY_CASES)
def test_figures_categories_from_context(figures, sentence, expected):  # type: ignore[no-untyped-def]
    found = figures(sentence)
    assert {f.value: f.category for f in found} == {float(k): v for k, v in expected.items()}


NOT_FIGURE_CASES = [
    "The minister arrived on March 3, 2021 for talks.",
    "The treaty was signed in 1998 and renewed in 2021.",
    "The 45-year-old commander, who was born in 1978, was promoted.",
    "Aged 63, the general retired from the army.",
    "The summit marked the 75th anniversary of relations, his second trip abroad.",
    "The three-day conference opened in Jakarta on Tuesday.",
    "Almost five months after the coup, the army still struggles.",
    "The two countries signed a deal, and the two leaders shook hands.",
    "Page 12 of the report cites Article 5 and Resolution 2231.",
    "Thousands of people marched and hundreds were detained.",
    "Cases of COVID-19 rose, and the Su-30 jets were grounded.",
    "He is one of the few remaining allies of the regime.",
    "The meeting started at 10 a.m. in the capital.",
    "The two leaders met for the first time in 10 years.",
    "Veterans commemorated the end of World War Two.",
]


@pytest.mark.parametrize("sentence", NOT_FIGURE_CASES)
def test_figures_skip_dates_ages_ordinals_spans_and_labels(figures, sentence):  # type: ignore[no-untyped-def]
    assert figures(sentence) == ()


def test_figures_range_gives_both_bounds(figures):  # type: ignore[no-untyped-def]
    found = figures("Between 10 and 20 soldiers were wounded in the ambush.")
    assert [(f.value, f.qualifier, f.category) for f in found] == [
        (10, "at least", "injured"), (20, "at most", "injured"),
    ]


def test_figures_scale_of_range_applies_to_low_bound(figures):  # type: ignore[no-untyped-def]
    found = figures("The deal is worth $10-20 million, analysts estimate.")
    assert sorted(f.value for f in found) == [10_000_000, 20_000_000]


def test_figures_repeated_number_is_one_figure(figures):  # type: ignore[no-untyped-def]
    body = ("At least 45 people were killed in the blast.\n\n"
            "The attack, which killed at least 45 people, was the deadliest this year.")
    assert len([f for f in figures(body) if f.value == 45]) == 1


SOURCE_CASES = [
    ("At least 883 people have been killed, according to figures from the Assistance Association for "
     "Political Prisoners.", 883, "Assistance Association for Political Prisoners"),
    ("At least 60 people have been killed in the crackdown, activist groups say.", 60, "activist groups"),
    ("Russia supplied 16% of the weapons, according to a 2020 study by the Stockholm International Peace "
     "Research Institute.", 16, "Stockholm International Peace Research Institute"),
    ("The health ministry said 45 people were killed.", 45, "health ministry"),
]


@pytest.mark.parametrize("sentence, value, source", SOURCE_CASES)
def test_figures_source_from_attribution(figures, sentence, value, source):  # type: ignore[no-untyped-def]
    assert one(figures(sentence), value).source == source


AS_OF_CASES = [  # sentence, published, value, as_of, precision
    ("According to the UN, by June 2024, at least 5,280 civilians had been killed.", "2024-08-01", 5_280,
     "2024-06-01", "month"),
    ("Russia supplied 16% of the weapons bought from 2014-2019, a study found.", "2021-03-26", 16,
     "2019-01-01", "year"),
    ("At least 320 people have been killed since the Feb. 1 coup, activists say.", "2021-03-26", 320,
     "2021-03-26", "day"),
    ("At least 870 civilians have been killed since the coup.", None, 870, None, "unknown"),
    ("As of March 2023, 1.2 million people had been displaced.", "2023-05-10", 1_200_000, "2023-03-01", "month"),
]


@pytest.mark.parametrize("sentence, published, value, as_of, precision", AS_OF_CASES)
def test_figures_as_of(figures, sentence, published, value, as_of, precision):  # type: ignore[no-untyped-def]
    fig = one(figures(sentence, published=published), value)
    assert (fig.as_of, fig.as_of_precision) == (as_of, precision)


def test_figures_next_sentence_keeps_date_and_source(figures):  # type: ignore[no-untyped-def]
    body = ("According to the UN, by June 2024, at least 5,280 civilians had been killed. "
            "Another 26,865 people have been arrested, with 20,592 still in custody.")
    fig = one(figures(body, published="2024-08-01"), 20_592)
    assert (fig.category, fig.as_of, fig.source) == ("detained", "2024-06-01", "United Nations")


def test_figures_evidence_found_at_its_offsets(models):  # type: ignore[no-untyped-def]
    lead = "Headline of the story\n\nBy A. Reporter\n\n"
    body = "Police said on Friday that at least 45 people were killed when the bridge collapsed."
    parsed = parse(models, body, lead=lead)
    (fig,) = models.extractor.figures.extract(parsed)
    ev = fig.evidence
    assert body[ev.body_start:ev.body_end] == ev.text
    assert parsed.article.raw[ev.start:ev.end] == ev.text
    assert "at least 45 people were killed" in ev.text
    assert fig.surface == "45"


def test_figures_seed_scores(models, shared_dir):  # type: ignore[no-untyped-def]
    """Every gold figure of the seeds is found with the right value and category."""
    import json

    from dossier.ingest.records import RawDocument

    found = gold_total = 0
    for gold_path in sorted((shared_dir / "gold").glob("0*.json")):
        gold = json.loads(gold_path.read_text(encoding="utf-8"))
        raw = (shared_dir / "seeds" / gold["article"]).read_text(encoding="utf-8")
        doc = RawDocument(hashlib.sha256(raw.encode()).hexdigest(), gold["article"], gold["article"], raw, "text",
                          "utf-8", len(raw.encode()))
        parsed = models.parser.parse([models.cleaner.clean(doc)])[0]
        predicted = {(f.value, f.category) for f in models.extractor.figures.extract(parsed)}
        for g in gold["figures"]:
            gold_total += 1
            found += (float(g["value"]), g["category"]) in predicted
    assert found / gold_total >= 0.9


NEW_CATEGORY_CASES = [  # euphemisms, sexual violence, terms asked and served, counts of objects
    ("The army said 57 insurgents were neutralised in the raid.", 57, "killed"),
    ("Eleven miners lost their lives when the shaft flooded.", 11, "killed"),
    ("At least 31 women were raped during the offensive, the report said.", 31, "sexual_violence"),
    ("Prosecutors had sought 15 years for the activist.", 15, "sentence"),
    ("A court in Minsk sentenced Olga Petrova, an editor at the independent outlet Nasha Niva, to three and a "
     "half years in a penal colony.", 3.5, "sentence"),
    ("The blogger has spent 300 days in pre-trial detention.", 300, "duration"),
    ("Russia has fired more than 150 Iranian-made Geran drones at the port city.", 150, "count"),
    ("Officials believe Moscow bought around 1,800 of the missiles last year.", 1_800, "count"),
    ("The Treasury listed a shipping firm in Dubai, together with four other companies, on Monday.", 4, "count"),
    ("A 5,000-strong contingent arrived in the capital.", 5_000, "count"),
]


@pytest.mark.parametrize("sentence, value, category", NEW_CATEGORY_CASES)
def test_figures_euphemisms_terms_and_object_counts(figures, sentence, value, category):  # type: ignore[no-untyped-def]
    assert one(figures(sentence), value).category == category


@pytest.mark.parametrize("sentence", [
    "The alliance's 32 defence ministers met in Brussels.",
    "The cruiser fired a 19-gun salute as it entered the harbour.",
    "The 9-member panel reviewed the appeal.",
])
def test_figures_skip_memberships_and_compound_labels(figures, sentence):  # type: ignore[no-untyped-def]
    assert figures(sentence) == ()


def test_figures_counts_of_different_things_are_kept(figures):  # type: ignore[no-untyped-def]
    found = figures("The EU sanctioned two generals.\n\nWashington also listed two shipping companies.")
    assert sorted(f.unit for f in found if f.value == 2) == ["companies", "generals"]


CLAUSE_AS_OF_CASES = [  # sentence, published, value, as_of
    ("Troops killed at least 40 villagers in late March last year, the report said.", "2023-05-10", 40,
     "2022-03-01"),
    ("The minister said on Monday that deliveries under the Rs 9,000 crore contract signed in 2017 were late.",
     "2023-12-05", 90_000_000_000, "2017-01-01"),
    ("More than 500,000 people have fled since Russian forces crossed the border on 24 February.",
     "2022-03-01", 500_000, "2022-03-01"),
    ("Some 12,000 people have been displaced since the start of this year, aid agencies said.", "2023-05-10",
     12_000, "2023-05-10"),
    ("The council will decide next month on the future of the 4,000-strong force.", "2023-05-10", 4_000,
     "2023-05-10"),
    ("The navy took delivery of a frigate last year, and has ordered six submarines from Germany.", "2023-05-10",
     6, "2023-05-10"),
    ("At least 45 people were killed and 120 injured in the attack on Sunday.", "2023-05-10", 120, "2023-05-07"),
]


@pytest.mark.parametrize("sentence, published, value, as_of", CLAUSE_AS_OF_CASES)
def test_figures_as_of_from_the_figures_own_clause(figures, sentence, published, value, as_of):  # type: ignore[no-untyped-def]
    assert one(figures(sentence, published=published), value).as_of == as_of


def test_figures_source_not_carried_to_another_topic(figures):  # type: ignore[no-untyped-def]
    body = ("Officials said 30 people were killed in the strike. "
            "The drone costs about $50,000 to build, a fraction of the price of an interceptor.")
    found = figures(body)
    assert one(found, 30).source == "Officials"
    assert one(found, 50_000).source is None


@pytest.mark.parametrize("sentence, value, source", [
    ("Exports reached $3.1 billion, according to Chinese customs figures, a fraction of their level during the "
     "Cold War.", 3_100_000_000, "Chinese customs figures"),
    ("The drills involve three warships and a submarine, the navy's press office said.", 3, "navy's press office"),
    ("Prosecutors had asked for 12 years.", 12, "Prosecutors"),
])
def test_figures_source_is_the_attribution_phrase(figures, sentence, value, source):  # type: ignore[no-untyped-def]
    assert one(figures(sentence), value).source == source


# Varied news beyond the seeds: Gaza, Sudan, Caucasus, Taiwan, Turkey, EU; every number the
# sentence should give as a figure, as (value, category). Nothing else may be emitted.
NEWS_CASES = [
    ("Israeli strikes killed at least 1,200 people and wounded 3,000 others, the Gaza health ministry said.",
     {1_200: "killed", 3_000: "injured"}),
    ("Hamas released 24 hostages on Friday in exchange for 39 Palestinian prisoners.",
     {24: "released", 39: "released"}),
    ("Around 240 hostages were taken into Gaza during the October 7 attack.", {240: "hostages"}),
    ("Hamas freed 105 captives during the seven-day truce.", {105: "released"}),
    ("Ukraine and Russia swapped 230 prisoners on Wednesday.", {230: "released"}),
    ("Russia holds nearly 8,000 Ukrainian prisoners of war, Kyiv says.", {8_000: "detained"}),
    ("Tens of thousands of people have fled El Fasher, and nearly 2 million are displaced across Darfur.",
     {2_000_000: "displaced"}),
    ("In Sudan, 8.8 million people have been forced from their homes since the war began.",
     {8_800_000: "displaced"}),
    ("Some 25 million people, about half the population, are in need of humanitarian aid.",
     {25_000_000: "in_need"}),
    ("Between 300 and 400 people remain missing after the flood.", {300: "missing", 400: "missing"}),
    ("Up to 5,000 troops will be deployed to the border.", {5_000: "count"}),
    ("Israel's military said 8 soldiers died in a blast in Rafah on Saturday, bringing the toll of the ground "
     "offensive to 307.", {8: "killed", 307: "killed"}),
    ("Taiwan's parliament approved a special budget of NT$240 billion for new fighter jets.",
     {240_000_000_000: "money"}),
    ("Taipei will spend TWD 19 billion on F-16 upgrades.", {19_000_000_000: "money"}),
    ("Japan approved a 1.1 trillion yen package for Ukraine's reconstruction.", {1_100_000_000_000: "money"}),
    ("China lent Ethiopia 3 billion yuan for the railway.", {3_000_000_000: "money"}),
    ("Turkey sold Bayraktar TB2 drones worth $300 million to Ethiopia.", {300_000_000: "money"}),
    ("Erdogan said Turkey's defence exports hit $5.5 billion in 2023, up from $4.4 billion a year earlier.",
     {5_500_000_000: "money", 4_400_000_000: "money"}),
    ("The 27 EU leaders agreed to a 7-year budget of €1.8 trillion.", {1_800_000_000_000: "money"}),
    ("Azerbaijan's GDP grew 4.6 percent in 2023.", {4.6: "share_percent"}),
    ("Two-thirds of the enclave's hospitals are out of service.", {}),
    ("One in five Gazans faces famine, the IPC said.", {}),
    ("The two sides exchanged 150 prisoners of war each.", {150: "released"}),
    ("The Taiwan Relations Act of 1979 obliges Washington to help.", {}),
    ("Turkey has sold its TB2 drones to Ukraine, and Kyiv also wants F-16s and S-400 replacements.", {}),
    ("The council adopted resolution 2736 on El Fasher, and the 4th Mechanised Brigade moved south.", {}),
]


@pytest.mark.parametrize("sentence, expected", NEWS_CASES)
def test_figures_varied_news(figures, sentence, expected):  # type: ignore[no-untyped-def]
    found = figures(sentence)
    assert {f.value: f.category for f in found} == {float(k): v for k, v in expected.items()}


VOTE_CASES = [  # a tally gives for / against / abstentions; "none" and "no votes against" are 0
    ("The Security Council adopted resolution 2736 by 14 votes to none, with Russia abstaining.",
     {14: "votes_for", 0: "votes_against"}),
    ("The text passed 14-0 with one abstention.", {14: "votes_for", 0: "votes_against", 1: "abstentions"}),
    ("The 193-member General Assembly voted 120 to 14 for the truce, with 45 abstentions.",
     {120: "votes_for", 14: "votes_against", 45: "abstentions"}),
    ("Russia vetoed the draft, which won 13 votes, while China abstained.", {13: "votes_for"}),
    ("The resolution was adopted with 153 votes in favour and 23 abstentions; there were no votes against.",
     {153: "votes_for", 0: "votes_against", 23: "abstentions"}),
]


@pytest.mark.parametrize("sentence, expected", VOTE_CASES)
def test_figures_vote_tallies(figures, sentence, expected):  # type: ignore[no-untyped-def]
    found = figures(sentence)
    assert {f.value: f.category for f in found} == {float(k): v for k, v in expected.items()}
