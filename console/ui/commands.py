"""The console's keys and commands: bindings with ids, the command palette's entries."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Mapping

from textual.app import SystemCommand
from textual.binding import Binding, BindingType

RunAction = Callable[[str], Awaitable[object]]

# (binding id, action, footer text, command palette help)
COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    ("approve", "approve", "Approve", "Approve the selected tool call"),
    ("reject", "reject", "Reject", "Reject the selected tool call"),
    ("approve_always", "approve_always", "Always approve", "Approve this tool from now on"),
    ("reject_always", "reject_always", "Always reject", "Reject this tool from now on"),
    ("interrupt", "interrupt", "Interrupt", "Stop the assistant's current reply"),
    ("reconnect_now", "reconnect_now", "Retry now", "Reconnect now instead of waiting"),
    ("cancel_tool", "cancel_tool", "Cancel tool", "Stop the tool call running longest"),
    ("mute", "toggle_mute", "Mute", "Mute or unmute the microphone"),
    ("push_to_talk", "toggle_push_to_talk", "Push-to-talk", "Toggle push-to-talk mode"),
    ("theme", "next_theme", "Theme", "Switch to the next colour theme"),
    ("metrics", "show_metrics", "Metrics", "Where the time goes: latency per stage, tokens, cost"),
    ("inspector", "inspector", "Event inspector", "Show the wire both ways, live, with filters"),
    ("clear", "clear_transcript", "Clear", "Clear the transcript pane"),
    ("quit", "quit", "Quit", "Close the session and quit"),
)

BINDINGS: list[BindingType] = [
    Binding("ctrl+y", "approve", "Approve", id="approve", priority=True),
    Binding("ctrl+n", "reject", "Reject", id="reject", priority=True),
    Binding("f5", "approve_always", "Always yes", id="approve_always", priority=True),
    Binding("f6", "reject_always", "Always no", id="reject_always", priority=True),
    Binding("escape", "interrupt", "Interrupt", id="interrupt"),
    Binding("ctrl+r", "reconnect_now", "Retry now", id="reconnect_now", priority=True),
    Binding("f7", "cancel_tool", "Cancel tool", id="cancel_tool", show=False),
    Binding("f8", "toggle_mute", "Mute", id="mute"),
    Binding("f9", "toggle_push_to_talk", "PTT", id="push_to_talk"),
    Binding("f2", "next_theme", "Theme", id="theme"),
    Binding("f3", "show_metrics", "Metrics", id="metrics", show=False),
    Binding("f4", "inspector", "Wire", id="inspector"),
    Binding("ctrl+l", "clear_transcript", "Clear", id="clear"),
    Binding("ctrl+q", "quit", "Quit", id="quit", priority=True),
]
"""The live console's keys, each with the id a keymap moves it by."""


def key_for(keymap: Mapping[str, str], bindings: Iterable[BindingType], binding_id: str) -> str:
    """The key ``binding_id`` is on now (``keymap`` may have moved it), for hints."""
    keys = keymap.get(binding_id)
    if keys is None:
        keys = next((b.key for b in bindings if isinstance(b, Binding) and b.id == binding_id),
                    "?")
    return keys.split(",")[0]


def palette_action(run_action: RunAction, action: str) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await run_action(action)

    return run


def console_commands(run_action: RunAction) -> Iterator[SystemCommand]:
    """The live console's entries in the command palette (Textual's own list has Quit)."""
    for _binding_id, action, title, help_text in COMMANDS:
        if action != "quit":
            yield SystemCommand(title, help_text, palette_action(run_action, action))
    yield SystemCommand(
        "Always rules", "List the always-approve/reject rules and revoke one",
        palette_action(run_action, "always_rules"),
    )
