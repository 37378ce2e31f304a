"""Spoken forms become values: number words, money, spelled codes, dates; typed text too."""

from __future__ import annotations

import pytest

from console.engine.arguments import extract_arguments
from console.engine.spoken_values import numbers, spelled_codes, spoken_number

REFUND = {
    "type": "object",
    "properties": {
        "order_id": {"type": "string", "description": "The order to refund."},
        "amount": {"type": "number", "description": "How much to refund, in dollars."},
    },
    "required": ["order_id", "amount"],
}
BOOKING = {
    "type": "object",
    "properties": {
        "booking_id": {"type": "string", "description": "The booking reference."},
        "new_date": {"type": "string", "description": "The new travel date."},
    },
    "required": ["booking_id", "new_date"],
}


@pytest.mark.parametrize(
    ("text", "values"),
    [
        ("forty two", [42]),
        ("twenty dollars", [20]),
        ("one hundred and five", [105]),
        ("two thousand three hundred", [2300]),
        ("three point five", [3.5]),
        ("four two seven", [4, 2, 7]),  # digits said one by one are separate numbers
        ("twelve three", [12, 3]),
        ("$35.50 and 7", [35.5, 7]),
        ("a couple of them", [2]),
        ("$1,500 now", [1500]),
        ("Refund $90.00.00.25.", [90]),  # a recogniser's odd digits: one number, no crash
    ],
)
def test_number_words_and_digits(text: str, values: list[float]) -> None:
    assert [v for _, v in numbers(text)] == values


def test_spelled_codes() -> None:
    assert [c for _, _, c in spelled_codes("order A B twelve please")] == ["AB12"]
    assert [c for _, _, c in spelled_codes("booking x y z four two seven")] == ["XYZ427"]
    assert [c for _, _, c in spelled_codes("k nine")] == ["K9"]
    # The code's number ends it: what follows is another value.
    assert [c for _, _, c in spelled_codes("B C 12, twenty dollars")] == ["BC12"]
    assert [c for _, _, c in spelled_codes("order x y 4 2 7")] == ["XY427"]
    # An article before a word is not a code, nor is a lone letter.
    assert spelled_codes("I want a refund of twenty dollars") == []


def test_codes_written_as_one_word() -> None:
    # As a recogniser (or a caller) writes them: letters and digits together.
    assert [c for _, _, c in spelled_codes("the reference is KM7.")] == ["KM7"]
    assert [c for _, _, c in spelled_codes("order L-25 and a b twelve")] == ["L25", "AB12"]
    # Ordinals, clock times and amounts are no codes.
    assert spelled_codes("on the 10th at 5pm, $25") == []


def test_codes_written_as_letters_then_their_number() -> None:
    assert [c for _, _, c in spelled_codes("refund order FH 47 please")] == ["FH47"]
    assert [c for _, _, c in spelled_codes("booking JW twenty five")] == ["JW25"]
    # Only capitals, and only before a number: words and abbreviations alone stay words.
    assert spelled_codes("refund on 47 dollars") == []
    assert spelled_codes("I am in the US now") == []


def test_codes_written_as_initials_or_split_by_a_hyphen() -> None:
    # How a recogniser writes spelled letters: initials with stops, or letters glued to digits.
    assert [c for _, _, c in spelled_codes("booking L.S. 90 to May")] == ["LS90"]
    assert [c for _, _, c in spelled_codes("order J.E. ninety")] == ["JE90"]
    assert [c for _, _, c in spelled_codes("move booking L.J8 this weekend")] == ["LJ8"]
    assert [c for _, _, c in spelled_codes("order H-M90 please")] == ["HM90"]
    assert [c for _, _, c in spelled_codes("my booking J.W.25 to Friday")] == ["JW25"]
    # A stop ends a sentence as well: a lone capital then a number is no code.
    assert spelled_codes("Take plan A. 5 people") == []


def test_numbers_are_said_as_a_caller_says_them() -> None:
    assert spoken_number(42) == "forty two"
    assert spoken_number(1500) == "one thousand five hundred"
    assert [v for _, v in numbers(spoken_number(987))] == [987]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refund order forty two for twenty dollars", {"order_id": "42", "amount": 20.0}),
        ("twenty dollars back for order A B twelve", {"order_id": "AB12", "amount": 20.0}),
        (
            "please refund order four two seven, fifteen dollars",
            {"order_id": "427", "amount": 15.0},
        ),
        ("refund order 42, $20", {"order_id": "42", "amount": 20.0}),  # typed
        # "for" heard as "four": not a digit of the order, which would then be 424.
        ("refund order forty two four twenty dollars", {"order_id": "42", "amount": 20.0}),
        ("refund order m c forty two four twenty dollars", {"order_id": "MC42", "amount": 20.0}),
    ],
)
def test_spoken_refunds(text: str, expected: dict[str, object]) -> None:
    assert extract_arguments(text, REFUND, tool_name="refund_order") == expected


def test_spoken_booking_changes() -> None:
    args = extract_arguments(
        "move booking x y nine to the fifth of may", BOOKING, tool_name="change_booking"
    )
    assert args == {"booking_id": "XY9", "new_date": "the fifth of may"}
    args = extract_arguments(
        "change booking AB12 to next friday", BOOKING, tool_name="change_booking"
    )
    assert args == {"booking_id": "AB12", "new_date": "next friday"}
    # A date written the way a recogniser writes it, day before month without "of".
    args = extract_arguments("move booking KT42 to 10 May", BOOKING, tool_name="change_booking")
    assert args == {"booking_id": "KT42", "new_date": "10 May"}


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("move booking Katie 42 to friday", "KT42"),  # K T
        ("please move booking Fee 25 to friday", "FE25"),
        ("move my booking decay 30 to friday", "DK30"),
        ("move booking Jan 25 to friday", "GN25"),  # G N
        ("move booking casey 8 to friday", "KC8"),
    ],
)
def test_letters_a_recogniser_wrote_as_words_that_sound_like_them(text: str, code: str) -> None:
    args = extract_arguments(text, BOOKING, tool_name="change_booking")
    assert args == {"booking_id": code, "new_date": "friday"}


def test_words_that_sound_like_no_letters_are_no_code() -> None:
    missing: list[str] = []
    args = extract_arguments(
        "move my booking tomorrow afternoon 3 to friday",
        BOOKING,
        tool_name="change_booking",
        missing=missing,
    )
    assert missing == ["booking_id"], args
    # Number words and stop words are what they are: "four" is no F R.
    args = extract_arguments("refund order four two, $15", REFUND, tool_name="refund_order")
    assert args == {"order_id": "42", "amount": 15.0}


@pytest.mark.parametrize(
    ("said", "city"),
    [
        ("do i need an umbrella in my army today", "Miami"),  # the word before it too
        ("weather in Sidney", "Sydney"),
        ("what's the weather in doubling", "Dublin"),
        ("weather in Bern", "Bern"),  # near Berlin, but a place of its own
        ("weather in Reykjavik", "Reykjavik"),  # a place the engine does not know
        ("weather in paris", "paris"),  # a known place is taken as written
    ],
)
def test_a_misheard_place_is_the_known_place_it_sounds_like(said: str, city: str) -> None:
    weather = {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city."}},
        "required": ["city"],
    }
    assert extract_arguments(said, weather, tool_name="get_weather") == {"city": city}


def test_the_phrase_that_fits_the_parameter() -> None:
    stock = {
        "type": "object",
        "properties": {"product": {"type": "string", "description": "The product name."}},
        "required": ["product"],
    }
    args = extract_arguments(
        "how many widgets are in stock",
        stock,
        tool_name="check_stock",
        description="How many of a product are in stock.",
    )
    assert args == {"product": "widgets"}
    order = {
        "type": "object",
        "properties": {
            "product": {"type": "string", "description": "The product to order."},
            "quantity": {"type": "integer"},
        },
        "required": ["product", "quantity"],
    }
    args = extract_arguments(
        "order 30 sprockets from the supplier",
        order,
        tool_name="order_stock",
        description="Order more of a product from the supplier.",
    )
    assert args == {"product": "sprockets", "quantity": 30}


def test_missing_required_values_are_reported_not_invented_silently() -> None:
    missing: list[str] = []
    args = extract_arguments("refund order 42", REFUND, tool_name="refund_order", missing=missing)
    assert args["order_id"] == "42"
    assert missing == ["amount"]


def test_stems_are_the_same_from_many_threads_at_once() -> None:
    # Connections decide in parallel; a shared stemmer mixed their words up (IndexError).
    from concurrent.futures import ThreadPoolExecutor

    from console.engine.spoken_values import stem

    words = [
        "bookings",
        "raining",
        "payments",
        "refunds",
        "invoices",
        "weather",
        "seconds",
        "travelling",
    ] * 500
    expected = [stem(w) for w in words]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda _: [stem(w) for w in words], range(4)))
    assert all(r == expected for r in results)
