"""How a WebSocket's end reads as a ``connection_closed`` error, and dropping a socket outright."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from websockets.asyncio.client import ClientConnection


CONNECTION_DROPPED = "WebSocket connection closed unexpectedly"
"""The context of the exception event that reports an abnormal close (the SDK's wording)."""


def abort(ws: ClientConnection) -> None:
    """Drop the connection without a closing handshake (a timed-out or broken close)."""
    transport = getattr(ws, "transport", None)
    if transport is not None:
        transport.abort()


def _closed(message: str, frame: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"type": "connection_closed", "message": message}
    if frame is not None:
        error["code"], error["reason"] = frame.code, frame.reason
    return error


def going_away(ws: ClientConnection) -> dict[str, Any] | None:
    """The error of a clean close with a code other than 1000, else None."""
    frame = getattr(ws.protocol, "close_rcvd", None) or getattr(ws.protocol, "close_sent", None)
    if frame is None or frame.code == 1000:
        return None
    return _closed(
        f"the server closed the connection: {frame.code} {frame.reason}".rstrip(), frame
    )


def connection_error(exc: Exception, max_size: int | None = None) -> dict[str, Any]:
    """The error of a connection that ended abnormally (reset, protocol error...)."""
    # The close frame that ended it: the server's, else ours (e.g. 1009 for a too-big message).
    sent = getattr(exc, "sent", None)
    frame = getattr(exc, "rcvd", None) or sent
    if sent is not None and sent.code == 1009 and max_size is not None:
        return _closed(
            f"the server sent a message larger than the limit of {max_size:,} bytes "
            "(TransportConfig.max_size); the connection was closed", sent
        )
    return _closed(f"the connection ended abnormally: {type(exc).__name__}: {exc}", frame)
