"""Token counts from the core's usage events, and what they cost by the price table."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from console.engine.response import usage
from console.realtime.wire import usage_event
from console.ui.config import ConfigError, parse_config
from console.ui.pricing import ModelPrice, PriceTable
from console.ui.tokens import TokenCount, TokenLedger, format_cost, from_usage_event


def test_the_engine_usage_splits_into_text_audio_and_cached() -> None:
    spent = usage(8000, 20_000.0, 40, 2000.0, previous_input=(1500, 200))
    tokens = from_usage_event(usage_event(spent))
    assert tokens == TokenCount(
        text_in=2000, audio_in=200, cached_text=1408, cached_audio=0, text_out=10, audio_out=40
    )
    assert tokens.total == spent["total_tokens"]
    assert tokens.cached == spent["input_token_details"]["cached_tokens"]


def test_totals_only_count_as_text() -> None:
    tokens = from_usage_event(usage_event({"input_tokens": 7, "output_tokens": 3}))
    assert (tokens.text_in, tokens.text_out, tokens.audio_in, tokens.total) == (7, 3, 0, 10)


def test_cost_prices_cached_input_apart() -> None:
    price = PriceTable().for_model("gpt-realtime")
    assert price is not None
    tokens = TokenCount(text_in=1_000_000, cached_text=500_000, audio_out=1_000_000)
    # 500k fresh text at $4/M, 500k cached at $0.40/M, 1M audio out at $64/M
    assert price.cost(tokens) == pytest.approx(2.0 + 0.2 + 64.0)


def test_dated_snapshots_use_the_family_and_unknown_models_the_default() -> None:
    table = PriceTable()
    mini = table.for_model("gpt-realtime-mini-2025-10-06")
    assert mini is not None and mini.audio_output == 20.0
    assert table.for_model("gpt-realtime-2025-08-28") == table.models["gpt-realtime"]
    assert table.for_model("local") == table.models["gpt-realtime"]
    assert PriceTable(default=None).cost("local", TokenCount(text_in=5)) is None


def test_a_price_table_rejects_negative_or_unknown_rates() -> None:
    with pytest.raises(ValidationError):
        ModelPrice.model_validate({**_rates(), "text_input": -1})
    with pytest.raises(ValidationError):
        ModelPrice.model_validate({**_rates(), "video_input": 1})


def _rates() -> dict[str, float]:
    return dict.fromkeys(ModelPrice.model_fields, 1.0)


def test_the_ledger_sums_counts_and_costs() -> None:
    empty = TokenLedger()
    ledger = empty.add(TokenCount(text_in=10, audio_out=20), 0.001).add(
        TokenCount(audio_in=5), None)
    assert empty.responses == 0 and empty.text() == ""  # adding makes a new ledger
    assert ledger.text() == "35 tokens · $0.0010" and ledger.cost_text() == "$0.0010"
    assert ledger.total.total == 35 and ledger.responses == 2
    assert format_cost(ledger.cost) == "$0.0010"
    assert format_cost(None) == "-"
    assert TokenCount.from_dict(ledger.total.as_dict()) == ledger.total


def test_the_config_file_edits_prices_and_budgets(tmp_path: Path) -> None:
    text = (
        "[prices]\ndefault = \"mine\"\n"
        "[prices.models.mine]\ntext_input = 1\ntext_cached_input = 0.5\ntext_output = 2\n"
        "audio_input = 3\naudio_cached_input = 0.5\naudio_output = 4\n"
        "[budgets]\nfirst_audio = 900\n"
    )
    config = parse_config(text, tmp_path / "config.toml")
    assert config.prices.cost("local", TokenCount(audio_out=1_000_000)) == pytest.approx(4.0)
    assert config.budgets.first_audio == 900 and config.budgets.transcript == 1500


def test_a_bad_price_is_one_line_naming_file_line_and_key(tmp_path: Path) -> None:
    text = "theme = \"x\"\n[budgets]\nfirst_audio = -5\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, tmp_path / "config.toml")
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(f"{tmp_path / 'config.toml'}:3: budgets.first_audio")


def test_the_journal_reads_the_fields_the_console_writes() -> None:
    from dataclasses import fields

    from console.journal.summary import TOKEN_FIELDS

    assert tuple(f.name for f in fields(TokenCount)) == TOKEN_FIELDS
