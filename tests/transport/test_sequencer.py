"""ResponseSequencer without sockets: when a response.create may go out."""

from __future__ import annotations

from console.realtime.wire import ResponseSequencer

ACTIVE = "conversation_already_has_active_response"


def test_first_request_goes_out_with_an_event_id() -> None:
    seq = ResponseSequencer()
    sent = seq.request()
    assert sent is not None and sent["type"] == "response.create" and sent["event_id"]
    assert seq.in_flight


def test_requests_in_flight_wait_and_plain_ones_collapse() -> None:
    seq = ResponseSequencer()
    assert seq.request() is not None
    assert seq.request() is None
    assert seq.request() is None
    custom = {"type": "response.create", "response": {"instructions": "x"}}
    assert seq.request(custom) is None
    assert len(seq.queue) == 2
    seq.created()
    assert seq.in_flight and seq.pending is None
    first = seq.done()
    assert first is not None and "response" not in first
    assert seq.done() is None  # still waiting for the created/done of the one just sent
    seq.created()
    second = seq.done()
    assert second is not None and second["response"] == {"instructions": "x"}


def test_server_initiated_responses_block_ours() -> None:
    seq = ResponseSequencer()
    seq.created()  # a VAD turn
    assert seq.request() is None
    assert seq.done() is not None


def test_refusal_because_busy_retries_the_same_payload() -> None:
    seq = ResponseSequencer()
    sent = seq.request({"type": "response.create", "response": {"voice": "ash"}})
    assert sent is not None
    seq.created()  # the competing response
    assert seq.refused({"code": ACTIVE, "event_id": sent["event_id"]}) is None
    retry = seq.done()
    assert retry is not None and retry["response"] == {"voice": "ash"}
    assert retry["event_id"] != sent["event_id"]


def test_other_refusals_and_unrelated_errors() -> None:
    seq = ResponseSequencer()
    sent = seq.request()
    assert sent is not None
    assert seq.refused({"code": "x", "event_id": "not_ours"}) is None
    assert seq.in_flight
    assert seq.refused({"code": "x", "event_id": sent["event_id"]}) is None
    assert not seq.in_flight and seq.queue == []
    assert seq.refused({"code": ACTIVE, "event_id": sent["event_id"]}) is None  # only once


def test_unsent_request_is_not_in_flight_and_reset_forgets() -> None:
    seq = ResponseSequencer()
    sent = seq.request()
    assert sent is not None
    seq.not_sent(sent)
    assert not seq.in_flight
    seq.created()
    seq.request()
    seq.reset()
    assert not seq.in_flight and seq.queue == []
