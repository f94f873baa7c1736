"""Every trap of issue 3, each with a real-looking sentence: what counts, what does not.

The sentences are written the way wire copy and White House transcripts write them;
each test asserts the exact mentions (surface, entity, form) so a rule that breaks
shows which sentence it broke.
"""

from __future__ import annotations

from datetime import date

import pytest

from analytics.extraction.gazetteer import Gazetteer
from tests.analytics.extraction.sentences import found_in


def _found(
    gazetteer: Gazetteer, text: str, published: date | None = date(2023, 6, 1), title: str = ""
) -> list[tuple[str, str, str]]:
    return found_in(gazetteer, text, published, title)


def _ids(gazetteer: Gazetteer, text: str, published: date | None = date(2023, 6, 1)) -> list[str]:
    return [entity for _, entity, _ in _found(gazetteer, text, published)]


# --- places whose names hold a country's -------------------------------------------


def test_us_states_and_regions_are_not_countries(gazetteer: Gazetteer) -> None:
    text = (
        "Governors from New Jersey, New Mexico and New England met in Jersey City, while "
        "officials from New South Wales and the Jersey Shore joined by video."
    )
    assert _ids(gazetteer, text) == []


def test_regions_of_several_countries_do_not_count(gazetteer: Gazetteer) -> None:
    text = "North American automakers and Latin America's growers want a Central American deal."
    assert _ids(gazetteer, text) == []


def test_georgia_the_state_and_georgia_pacific(gazetteer: Gazetteer) -> None:
    text = "Georgia-Pacific will add 300 jobs in Georgia, the governor said in Atlanta."
    assert _ids(gazetteer, text) == []


def test_georgia_the_country_with_caucasus_context(gazetteer: Gazetteer) -> None:
    text = "Georgia's ruling Georgian Dream party won; protests filled Tbilisi."
    assert _ids(gazetteer, text) == ["GEO", "GEO", "GEO"]


def test_country_words_inside_organisation_names_count(gazetteer: Gazetteer) -> None:
    text = (
        "American Express and the New China News Agency reported that the American "
        "Federation of Labor backed the plan."
    )
    assert _found(gazetteer, text) == [
        ("American", "USA", "adjective"),
        ("China", "CHN", "name"),
        ("American", "USA", "adjective"),
    ]


def test_niger_is_not_nigeria(gazetteer: Gazetteer) -> None:
    text = "Troops left Niger for Nigeria; Nigerien and Nigerian officials met in Niamey."
    assert _ids(gazetteer, text) == ["NER", "NGA", "NER", "NGA", "NER"]


def test_papua_new_guinea_and_south_sudan_are_whole_names(gazetteer: Gazetteer) -> None:
    text = "Papua New Guinea and South Sudan joined Guinea and Sudan at the talks."
    assert _ids(gazetteer, text) == ["PNG", "SSD", "GIN", "SDN"]


def test_seas_and_straits_are_not_countries(gazetteer: Gazetteer) -> None:
    text = (
        "Patrols in the East China Sea, the South China Sea, the Taiwan Strait and the "
        "Gulf of Mexico continued, and China protested."
    )
    assert _ids(gazetteer, text) == ["CHN"]


def test_capital_inside_a_name_does_not_count(gazetteer: Gazetteer) -> None:
    text = "The Washington Post reported that the Paris Agreement is at risk; Washington disagreed."
    assert _found(gazetteer, text) == [("Washington", "USA", "capital")]


def test_washington_the_state_is_not_the_capital(gazetteer: Gazetteer) -> None:
    text = (
        "The President will sign the order in Seattle, Washington, then fly back to "
        "Washington, D.C.; Washington state officials and the University of Washington came."
    )
    assert _found(gazetteer, text) == [("Washington, D.C.", "USA", "capital")]


def test_palestinian_authority_is_palestine(gazetteer: Gazetteer) -> None:
    assert _found(gazetteer, "The Palestinian Authority met in Ramallah.") == [
        ("Palestinian Authority", "PSE", "adjective"),
        ("Ramallah", "PSE", "capital"),
    ]


# --- words and people that look like countries -------------------------------------


def test_jordan_and_chad_as_first_names_and_surnames(gazetteer: Gazetteer) -> None:
    text = (
        "Michael Jordan and Chad Wolf attended; Jordan Peterson spoke later. "
        "Jordan and Chad signed the accord with Iraq and Niger."
    )
    assert _ids(gazetteer, text) == ["JOR", "TCD", "IRQ", "NER"]
    # Without the country's region in the article, Jordan and Chad are people.
    assert _ids(gazetteer, "Chad and Jordan thanked the President.") == []


def test_people_named_like_country_words(gazetteer: Gazetteer) -> None:
    text = "Deputy Secretary David Turk met Kathy Ireland and Jimmy Wales in Ankara."
    assert _found(gazetteer, text) == [("Ankara", "TUR", "capital")]


def test_turkey_the_bird(gazetteer: Gazetteer) -> None:
    text = (
        "The President pardoned the National Thanksgiving Turkey, and a turkey named "
        "Liberty, before Turkey's foreign minister arrived."
    )
    assert _ids(gazetteer, text) == ["TUR"]


def test_lower_case_us_is_the_pronoun(gazetteer: Gazetteer) -> None:
    assert _ids(gazetteer, "Let us work with the US and the U.S.A. on this.") == ["USA", "USA"]


def test_legal_citation_is_not_a_country(gazetteer: Gazetteer) -> None:
    assert _ids(gazetteer, "Authority under 50 U.S.C. 1701 and 19 U.S.C. 2483.") == []


# --- compounds, quotes, capitals, accents -------------------------------------------


def test_hyphenated_compounds_count_each_country(gazetteer: Gazetteer) -> None:
    text = "U.S.-Russia talks resumed as the Russia-Ukraine war entered its third year."
    assert _found(gazetteer, text) == [
        ("U.S.", "USA", "name"),
        ("Russia", "RUS", "name"),
        ("Russia", "RUS", "name"),
        ("Ukraine", "UKR", "name"),
    ]


def test_curly_quotes_and_possessives(gazetteer: Gazetteer) -> None:
    text = "“Moscow’s move,” said Kyiv’s envoy, “threatens Ukraine’s people’s future.”"
    assert _found(gazetteer, text) == [
        ("Moscow", "RUS", "capital"),
        ("Kyiv", "UKR", "capital"),
        ("Ukraine", "UKR", "name"),
    ]


def test_curly_apostrophe_inside_an_alias(gazetteer: Gazetteer) -> None:
    text = "The People’s Republic of China and Côte d’Ivoire signed."
    assert _ids(gazetteer, text) == ["CHN", "CIV"]


def test_all_caps_headline(gazetteer: Gazetteer) -> None:
    found = _found(
        gazetteer, "", title="FACT SHEET: UNITED STATES AND JAPAN SIGN DEAL; RUSSIAN TROOPS"
    )
    assert [entity for _, entity, _ in found] == ["USA", "JPN", "RUS"]


def test_accented_and_plain_spellings(gazetteer: Gazetteer) -> None:
    text = "Recep Tayyip Erdoğan met Erdogan's critics; later Erdoğan spoke."
    assert _ids(gazetteer, text) == ["Recep Tayyip Erdoğan"] * 3


def test_odd_whitespace_and_nul_keep_offsets(gazetteer: Gazetteer) -> None:
    text = "Xi\u00a0Jinping\tmet\x00officials in Beijing.\r\nThen Berlin."
    assert _found(gazetteer, text) == [
        ("Xi\u00a0Jinping", "Xi Jinping", "full"),
        ("Beijing", "CHN", "capital"),
        ("Berlin", "DEU", "capital"),
    ]


def test_unicode_hyphens_match_like_ascii_ones(gazetteer: Gazetteer) -> None:
    text = "Prime Minister Mohammed Shia\u2019 al\u2011Sudani met Guinea\u2010Bissau envoys."
    assert _found(gazetteer, text, date(2023, 6, 1)) == [
        ("Mohammed Shia\u2019 al\u2011Sudani", "Mohammed Shia al-Sudani", "full"),
        ("Guinea\u2010Bissau", "GNB", "name"),
    ]


def test_letters_around_a_match_make_it_no_match(gazetteer: Gazetteer) -> None:
    # "CHAIR ROUSE" holds "RO" and "US" back to back; neither is a word of its own.
    assert _ids(gazetteer, "CHAIR ROUSE: Thank you. Kimberly and Omaha agreed.") == []


# --- leaders: family members, namesakes, things named after them ---------------------


def test_family_members_are_not_the_leader(gazetteer: Gazetteer) -> None:
    text = (
        "Donald Trump Jr. and Hunter Biden testified; Melania Trump and Dr. Biden did not. "
        "Trump Jr. later left."
    )
    assert _ids(gazetteer, text, date(2023, 6, 1)) == []


def test_namesake_in_the_article_blocks_the_bare_surname(gazetteer: Gazetteer) -> None:
    text = "Dustin Johnson shot a 65. Johnson said the course was fair."
    assert _ids(gazetteer, text, date(2020, 3, 1)) == []


def test_another_persons_name_is_not_the_leader(gazetteer: Gazetteer) -> None:
    text = "Vice President Kamala Harris and FTC Chair Lina Khan met Avril Haines."
    assert _ids(gazetteer, text, date(2022, 5, 1)) == []


def test_hyphenated_personal_name_is_not_two_leaders(gazetteer: Gazetteer) -> None:
    text = "MS. JEAN-PIERRE: Good afternoon, everybody."
    assert _ids(gazetteer, text, date(2023, 6, 1)) == []


def test_things_named_after_leaders_do_not_count(gazetteer: Gazetteer) -> None:
    text = (
        "He flew into John F. Kennedy International Airport and spoke at the Eisenhower "
        "Executive Office Building on Lenin Avenue."
    )
    assert _ids(gazetteer, text, date(2023, 6, 1)) == []


def test_acronym_in_capitals_is_not_a_surname(gazetteer: Gazetteer) -> None:
    text = "DOE and EPA shared resources with the MA office."
    assert _ids(gazetteer, text, date(2023, 6, 1)) == []


def test_speaker_labels(gazetteer: Gazetteer) -> None:
    text = (
        "MS. PSAKI: Go ahead.\n\nPRESIDENT BIDEN: Thank you all.\n\nPRESIDENT ZELENSKYY: Thank you."
    )
    assert _found(gazetteer, text, date(2022, 9, 21)) == [
        ("PRESIDENT BIDEN", "Joe Biden", "title"),
        ("PRESIDENT ZELENSKYY", "Volodymyr Zelenskyy", "title"),
    ]


# --- leaders resolved by date, title and article -------------------------------------


@pytest.mark.parametrize(
    ("published", "leader"),
    [(date(1990, 8, 8), "George H. W. Bush"), (date(2005, 8, 8), "George W. Bush")],
)
def test_president_bush_is_whoever_held_office(
    gazetteer: Gazetteer, published: date, leader: str
) -> None:
    found = _found(gazetteer, "President Bush spoke to reporters on Monday.", published)
    assert found == [("President Bush", leader, "title")]


def test_prime_minister_johnson_in_2020_is_boris_johnson(gazetteer: Gazetteer) -> None:
    found = _found(
        gazetteer, "Prime Minister Johnson spoke with Chancellor Merkel.", date(2020, 5, 1)
    )
    assert found == [
        ("Prime Minister Johnson", "Boris Johnson", "title"),
        ("Chancellor Merkel", "Angela Merkel", "title"),
    ]


def test_common_surname_needs_the_full_name_or_a_title(gazetteer: Gazetteer) -> None:
    assert _ids(gazetteer, "Johnson said the vote would pass.", date(2020, 5, 1)) == []
    text = "Boris Johnson arrived. Johnson said the vote would pass."
    assert _ids(gazetteer, text, date(2020, 5, 1)) == ["Boris Johnson", "Boris Johnson"]


def test_distinctive_surname_out_of_office_needs_its_country(gazetteer: Gazetteer) -> None:
    text = "Obama-era rules on American power plants were rolled back."
    assert _found(gazetteer, text, date(2025, 3, 1)) == [
        ("Obama", "Barack Obama", "administration"),
        ("American", "USA", "adjective"),
    ]
    # A city that is an ex-president's surname, in an article about no country.
    assert _ids(gazetteer, "The plant is located in Mesa, Arizona.", date(2025, 3, 1)) == []


def test_surname_in_office_alone(gazetteer: Gazetteer) -> None:
    # "Trump" is a rarer English surname, but a G20 leader in office is named so alone.
    text = "Trump's tariffs on Canada angered Ottawa, and Argentina's Milei praised Trump."
    assert _ids(gazetteer, text, date(2025, 11, 1)) == [
        "Donald Trump",
        "CAN",
        "CAN",
        "ARG",
        "Javier Milei",
        "Donald Trump",
    ]
    # A rarer surname of a smaller country's leader needs the country in the article.
    text = "Talon Metals will supply nickel; Talon said the mine opens in 2026."
    assert _ids(gazetteer, text, date(2022, 2, 22)) == []
    assert _ids(gazetteer, "Benin's president Talon met investors.", date(2022, 2, 22)) == [
        "BEN",
        "Patrice Talon",
    ]


def test_former_g20_leader_by_title_or_surname(gazetteer: Gazetteer) -> None:
    text = "President Obama's health law and Sarkozy's reforms were debated."
    assert _found(gazetteer, text, date(2023, 6, 1)) == [
        ("President Obama", "Barack Obama", "possessive"),
        ("Sarkozy", "Nicolas Sarkozy", "possessive"),
    ]
    # A common surname after a title, out of office, needs the country in the article.
    assert _ids(gazetteer, "PRIME MINISTER BROWN: Thank you.", date(2023, 6, 1)) == []


def test_president_elect_counts_for_the_future_leader(gazetteer: Gazetteer) -> None:
    text = (
        "President Biden called Brazil's President-elect Lula da Silva; "
        "President-elect Lula thanked him."
    )
    assert _found(gazetteer, text, date(2022, 10, 31)) == [
        ("President Biden", "Joe Biden", "title"),
        ("Brazil", "BRA", "name"),
        ("Lula da Silva", "Luiz Inácio Lula da Silva", "full"),
        ("Lula", "Luiz Inácio Lula da Silva", "short"),
    ]


def test_administration_and_regime_name_the_person(gazetteer: Gazetteer) -> None:
    text = "The Biden-Harris Administration opposed the Assad regime in Syria."
    assert _found(gazetteer, text, date(2023, 6, 1)) == [
        ("Biden", "Joe Biden", "administration"),
        ("Assad", "Bashar al-Assad", "administration"),
        ("Syria", "SYR", "name"),
    ]


def test_king_abdullah_of_jordan_counts_twice(gazetteer: Gazetteer) -> None:
    text = "His Majesty King Abdullah of Jordan’s visit was welcomed."
    assert _found(gazetteer, text, date(2023, 6, 1)) == [
        ("King Abdullah", "Abdullah II", "title"),
        ("Jordan", "JOR", "name"),
    ]


def test_surname_that_is_a_country_word(gazetteer: Gazetteer) -> None:
    text = "Prime Minister Montenegro of Portugal met the president of Montenegro."
    assert _found(gazetteer, text, date(2025, 6, 1)) == [
        ("Prime Minister Montenegro", "Luís Montenegro", "title"),
        ("Portugal", "PRT", "name"),
        ("Montenegro", "MNE", "name"),
    ]


def test_spouse_and_other_offices_are_not_the_leader(gazetteer: Gazetteer) -> None:
    text = "Mrs. Kishida toured the garden. Senator Risch and Secretary Clinton spoke."
    assert _ids(gazetteer, text, date(2023, 4, 10)) == []


def test_surname_first_names_of_relatives(gazetteer: Gazetteer) -> None:
    text = "Kim Yo Jong, the sister of Kim Jong Un, issued a statement."
    assert _ids(gazetteer, text, date(2023, 6, 1)) == ["Kim Jong Un"]
