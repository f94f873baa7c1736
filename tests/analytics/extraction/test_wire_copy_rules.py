"""Rules for real wire copy and transcripts (issue: counts that survive real wire copy).

Each test is a sentence written as the wire services and the Kremlin and White House
write them: lines wrapped mid-name, namesakes that hold a country's name, nicknames,
places named after capitals, and leaders of the 1980s. Each asserts the exact mentions
(surface, entity, form), and every offset is checked against the text as written.
"""

from __future__ import annotations

from datetime import date

from analytics.extraction.gazetteer import Gazetteer
from tests.analytics.extraction.sentences import found_in


def _found(
    gazetteer: Gazetteer, text: str, published: date | None = date(1987, 3, 2)
) -> list[tuple[str, str, str]]:
    return found_in(gazetteer, text, published)


# --- names broken by a line break ----------------------------------------------------


def test_names_wrapped_across_lines_match_with_offsets_as_written(gazetteer: Gazetteer) -> None:
    text = (
        "Japanese Prime Minister Yasuhiro\nNakasone said the United\nStates and West\n"
        "    Germany should stimulate their economies.\n    Nakasone told reporters"
    )
    assert _found(gazetteer, text) == [
        ("Japanese", "JPN", "adjective"),
        ("Yasuhiro\nNakasone", "Yasuhiro Nakasone", "full"),
        ("United\nStates", "USA", "name"),
        ("West\n    Germany", "DEU", "name"),
        ("Nakasone", "Yasuhiro Nakasone", "surname"),
    ]


def test_rules_read_a_wrapped_line_as_a_space(gazetteer: Gazetteer) -> None:
    # A title, a thing named after a leader and a country's context, each wrapped.
    text = (
        "Prime\n    Minister Trudeau flew from the Kennedy\n    Space Center to Georgia,\n"
        "    where the South\n    Caucasus talks open."
    )
    assert _found(gazetteer, text, date(2019, 5, 2)) == [
        ("Prime\n    Minister Trudeau", "Justin Trudeau", "title"),
        ("Georgia", "GEO", "name"),
    ]


def test_a_context_phrase_wrapped_across_lines_still_gives_the_context(
    gazetteer: Gazetteer,
) -> None:
    # Georgia's pattern is read on the text as written (its spaces any whitespace run);
    # Jersey's ("St\\.? Helier") on a copy with one space per run.
    assert _found(gazetteer, "Georgia held talks on South\n    Ossetia.") == [
        ("Georgia", "GEO", "name")
    ]
    assert _found(gazetteer, "Georgia voted, as did South\n    Carolina.") == []
    assert _found(gazetteer, "Jersey, a Crown\n    Dependency, voted.") == [
        ("Jersey", "JEY", "name")
    ]
    assert _found(gazetteer, "Jersey, a Crown\n    Prince, voted.") == []


def test_a_blank_line_is_a_paragraph_break_not_a_wrapped_name(gazetteer: Gazetteer) -> None:
    # Wire copy wraps lines; it never puts a blank line inside a name, while headings,
    # list items and speaker labels are separated by one.
    text = "Delegates from the United\n\nStates of mind aside, the United  States agreed."
    assert _found(gazetteer, text) == [("United  States", "USA", "name")]


def test_speaker_label_after_a_wrapped_line(gazetteer: Gazetteer) -> None:
    text = "Q    Mr. President, on the United\nStates and Japan --\nPRESIDENT BIDEN: Thank you."
    assert _found(gazetteer, text, date(2022, 5, 23)) == [
        ("United\nStates", "USA", "name"),
        ("Japan", "JPN", "name"),
        ("PRESIDENT BIDEN", "Joe Biden", "title"),
    ]


# --- a namesake never deletes a country ----------------------------------------------


def test_namesake_of_a_leader_does_not_hide_the_country(gazetteer: Gazetteer) -> None:
    # "Costa Rica" is listed as a namesake of António Costa: it stops the leader, not CRI.
    text = (
        "He joined the presidents of Panama, Costa Rica, and the Dominican Republic; "
        "the President of the Costa Rican Legislative Assembly met Prime Minister Costa."
    )
    assert _found(gazetteer, text, date(2022, 6, 9)) == [
        ("Panama", "PAN", "name"),
        ("Costa Rica", "CRI", "name"),
        ("Dominican Republic", "DOM", "name"),
        ("Costa Rican", "CRI", "adjective"),
        ("Prime Minister Costa", "António Costa", "title"),
    ]


# --- nicknames need evidence; tickers and namesakes never count ------------------------


def test_nickname_alone_is_not_the_leader(gazetteer: Gazetteer) -> None:
    text = (
        "Ike Kerridge, a broker in Sydney, said Golda and Indira were his clients; "
        "Fidel sold IBK shares to HBJ."
    )
    assert _found(gazetteer, text, date(1987, 3, 2)) == []


def test_ticker_in_angle_brackets_is_never_a_leader(gazetteer: Gazetteer) -> None:
    text = "<HBJ> Harcourt Brace Jovanovich Inc said it sold its <MBS> unit."
    assert _found(gazetteer, text, date(1987, 3, 2)) == []


def test_nickname_counts_with_the_full_name_or_a_title(gazetteer: Gazetteer) -> None:
    text = (
        "Fidel Castro spoke in Havana; Fidel said the U.S. embargo must end. "
        "President Ike was remembered by Dwight D. Eisenhower's biographers."
    )
    assert _found(gazetteer, text, date(1987, 3, 2)) == [
        ("Fidel Castro", "Fidel Castro", "full"),
        ("Havana", "CUB", "capital"),
        ("Fidel", "Fidel Castro", "short"),
        ("U.S.", "USA", "name"),
        ("President Ike", "Dwight D. Eisenhower", "title"),
        ("Dwight D. Eisenhower", "Dwight D. Eisenhower", "possessive"),
    ]


def test_well_attested_short_names_stand_alone(gazetteer: Gazetteer) -> None:
    text = "Lula met Bibi in Brasilia while MBS and AMLO spoke by phone."
    assert [e for _, e, _ in _found(gazetteer, text, date(2023, 6, 1))] == [
        "Luiz Inácio Lula da Silva",
        "Benjamin Netanyahu",
        "BRA",
        "Mohammed bin Salman",
        "Andrés Manuel López Obrador",
    ]


# --- a capital or country word inside a place's or a firm's name ---------------------


def test_capital_inside_a_place_name_is_not_the_capital(gazetteer: Gazetteer) -> None:
    text = (
        "Shelling hit the Kyiv region and Kyiv Oblast overnight; patients were moved to "
        "Lusaka Hospital. A judge of the Eastern District of Washington, sitting in "
        "Washington County, ruled; Kyiv protested."
    )
    assert _found(gazetteer, text, date(2023, 6, 1)) == [("Kyiv", "UKR", "capital")]


def test_country_word_before_a_us_state_is_a_us_town(gazetteer: Gazetteer) -> None:
    text = (
        "Whitehall Corp. of Dallas and a plant in Malta, N.Y., said Whitehall, Pa., "
        "officials had met Maltese and British buyers; Whitehall said no."
    )
    assert _found(gazetteer, text) == [
        ("Maltese", "MLT", "adjective"),
        ("British", "GBR", "adjective"),
        ("Whitehall", "GBR", "metonym"),
    ]


def test_surname_inside_a_firm_name_is_not_the_leader(gazetteer: Gazetteer) -> None:
    text = "Johnson & Johnson and Procter & Gamble said Prime Minister Johnson's plan helps."
    assert _found(gazetteer, text, date(2020, 5, 1)) == [
        ("Prime Minister Johnson", "Boris Johnson", "possessive"),
    ]
    # A full name is never a firm's; two leaders joined by an ampersand are two mentions.
    text = "Joint Readout of President Joe Biden & Vice President Kamala Harris"
    assert _found(gazetteer, text, date(2022, 5, 1)) == [("Joe Biden", "Joe Biden", "full")]
    text = "Trump has taken his place alongside Reagan & FDR as the most consequential Americans"
    assert [e for _, e, _ in _found(gazetteer, text, date(2025, 6, 1))] == [
        "Donald Trump",
        "Ronald Reagan",
        "Franklin D. Roosevelt",
        "USA",
    ]


def test_demonym_that_is_a_first_name_is_not_the_country(gazetteer: Gazetteer) -> None:
    text = (
        "Vladimir Putin met Sberbank CEO German Gref. German Gref: Mr President, "
        "German banks are watching. Gref said the German Chancellor called."
    )
    assert _found(gazetteer, text, date(2019, 4, 2)) == [
        ("Vladimir Putin", "Vladimir Putin", "full"),
        ("German", "DEU", "adjective"),
        ("German", "DEU", "adjective"),
    ]


# --- leaders of the 1980s and before, and spellings without diacritics ----------------


def test_spellings_without_diacritics_match_the_accented_names(gazetteer: Gazetteer) -> None:
    text = (
        "Danish Prime Minister Poul Schlueter met President Richard von Weizsaecker; "
        "Franjo Tudjman and Lech Walesa sent greetings to Schlueter."
    )
    assert [e for _, e, _ in _found(gazetteer, text, date(1990, 6, 1))] == [
        "DNK",
        "Poul Schlüter",
        "Richard von Weizsäcker",
        "Franjo Tuđman",
        "Lech Wałęsa",
        "Poul Schlüter",
    ]


def test_heads_of_government_of_the_1980s(gazetteer: Gazetteer) -> None:
    text = (
        "Ecuador's President Leon Febres Cordero and Venezuelan President Jaime Lusinchi "
        "met Yugoslav Prime Minister Branko Mikulic. New Zealand Prime Minister David\n"
        "Lange said Muldoon's policies failed; Finland's Kalevi Sorsa, Lebanon's Amin "
        "Gemayel, Jamaica's Edward Seaga and Sheikh Zayed sent envoys."
    )
    assert [e for _, e, _ in _found(gazetteer, text, date(1987, 3, 2))] == [
        "ECU",
        "León Febres Cordero",
        "VEN",
        "Jaime Lusinchi",
        "YUG",
        "Branko Mikulić",
        "NZL",
        "David Lange",
        "Robert Muldoon",
        "FIN",
        "Kalevi Sorsa",
        "LBN",
        "Amin Gemayel",
        "JAM",
        "Edward Seaga",
        "Zayed bin Sultan Al Nahyan",
    ]


def test_us_presidents_before_roosevelt(gazetteer: Gazetteer) -> None:
    text = (
        "Reagan quoted President Lincoln and Woodrow Wilson; Abraham Lincoln's words "
        "were carved near the Lincoln Memorial in Washington."
    )
    assert _found(gazetteer, text, date(1987, 3, 2)) == [
        ("Reagan", "Ronald Reagan", "surname"),
        ("President Lincoln", "Abraham Lincoln", "title"),
        ("Woodrow Wilson", "Woodrow Wilson", "full"),
        ("Abraham Lincoln", "Abraham Lincoln", "possessive"),
        ("Washington", "USA", "capital"),
    ]


def test_a_title_names_the_latest_holder_of_that_name(gazetteer: Gazetteer) -> None:
    # Two presidents Roosevelt and two presidents Johnson: the later one, before the date.
    text = "President Roosevelt's New Deal and President Johnson's Medicare built America."
    assert _found(gazetteer, text, date(2023, 6, 1)) == [
        ("President Roosevelt", "Franklin D. Roosevelt", "possessive"),
        ("President Johnson", "Lyndon B. Johnson", "possessive"),
        ("America", "USA", "name"),
    ]
    text = "President Roosevelt's Square Deal took on the trusts."
    assert _found(gazetteer, text, date(1905, 6, 1)) == [
        ("President Roosevelt", "Theodore Roosevelt", "possessive"),
    ]
