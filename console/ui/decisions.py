"""Operator decisions on pending tool calls: sent to the session, reported once it took them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from textual.message import Message

from .widgets.approvals import PendingApproval


class DecidingSession(Protocol):
    """The parts of a session a decision needs."""

    @property
    def pending_approvals(self) -> Mapping[str, Any]: ...
    @property
    def closed(self) -> bool: ...
    async def approve_tool_call(self, call_id: str, *, always: bool = False) -> None: ...
    async def reject_tool_call(self, call_id: str, *, always: bool = False) -> None: ...


def pending_of(session: Any) -> tuple[PendingApproval, ...]:
    """The session's pending approvals (its own mapping, oldest first) as the pane shows them."""
    pending: Mapping[str, Any] = getattr(session, "pending_approvals", None) or {}
    return tuple(
        PendingApproval(
            call_id,
            str(getattr(p.agent, "name", "") or "agent"),
            str(getattr(p, "tool_name", None) or getattr(p.tool, "name", "tool")),
            str(p.arguments),
        )
        for call_id, p in pending.items()
    )


def verb(approve: bool, always: bool) -> str:
    return ("approve" if approve else "reject") + (" always" if always else "")


class Decisions:
    """Sends the operator's approve/reject to the session and posts what came of it.

    A decision is ``Taken`` only when the session accepted it: the call returned without an
    error, the session is still open and the call left its pending approvals. Anything else
    (no session, a closed session, a call no longer pending, an error) is ``Refused`` with the
    reason, so nothing downstream (transcript, journal, export) can say it took effect.
    """

    class Taken(Message):
        """The session accepted the operator's decision on ``approval``."""

        def __init__(self, approval: PendingApproval, approve: bool, always: bool) -> None:
            super().__init__()
            self.approval, self.approve, self.always = approval, approve, always

    class Refused(Message):
        """The decision did not reach the session, or the session did not take it."""

        def __init__(self, approval: PendingApproval, approve: bool, always: bool,
                     reason: str) -> None:
            super().__init__()
            self.approval, self.approve, self.always = approval, approve, always
            self.reason = reason

    def __init__(
        self,
        session: Callable[[], DecidingSession | None],
        post: Callable[[Message], object],
        describe: Callable[[BaseException], str],
        record: Callable[[Message], None] | None = None,
    ) -> None:
        self._session = session
        self._post = post
        self._describe = describe
        self._record = record
        """Journals an outcome the moment it is known, before the tool's own traffic."""

    async def decide(self, approval: PendingApproval, approve: bool, always: bool) -> None:
        """Hand the decision to the session now; posts ``Taken`` or ``Refused``."""
        reason = await self._send(approval.call_id, approve, always)
        outcome: Message
        if reason is None:
            outcome = self.Taken(approval, approve, always)
        else:
            outcome = self.Refused(approval, approve, always, reason)
        if self._record is not None:
            self._record(outcome)
        self._post(outcome)

    async def _send(self, call_id: str, approve: bool, always: bool) -> str | None:
        session = self._session()
        if session is None:
            return "not connected"
        if session.closed:
            return "the session is closed"
        if call_id not in session.pending_approvals:
            return "no longer pending"
        try:
            if approve:
                await session.approve_tool_call(call_id, always=always)
            else:
                await session.reject_tool_call(call_id, always=always)
        except Exception as exc:
            return self._describe(exc)
        if call_id in session.pending_approvals:
            # A session that closed meanwhile ignores decisions (the SDK's behaviour): say so.
            return "the session is closed" if session.closed else "the session did not take it"
        # Out of pending means taken (the tool started, or its rejection went out), even if
        # the session closes right after.
        return None
