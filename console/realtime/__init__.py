"""The realtime agent core: agents, tools, handoffs, guardrails and sessions over a model."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .agent import RealtimeAgent
from .approvals import REJECTION_MESSAGE, PendingToolApproval, ToolErrorFormatterArgs
from .audio_formats import calculate_audio_length_ms, normalize_audio_format, to_ga_format
from .config import (
    DEFAULT_MODEL_SETTINGS,
    RealtimeAudioFormatName,
    RealtimeGuardrailsSettings,
    RealtimeInputAudioNoiseReductionConfig,
    RealtimeInputAudioTranscriptionConfig,
    RealtimeModelName,
    RealtimeModelTracingConfig,
    RealtimePrompt,
    RealtimeReconnectConfig,
    RealtimeRunConfig,
    RealtimeSessionModelSettings,
    RealtimeTurnDetectionConfig,
    RealtimeUserInput,
    RealtimeUserInputImage,
    RealtimeUserInputMessage,
    RealtimeUserInputText,
)
from .events import (
    RealtimeAgentChanged,
    RealtimeAgentEndEvent,
    RealtimeAgentStartEvent,
    RealtimeAudio,
    RealtimeAudioEnd,
    RealtimeAudioInterrupted,
    RealtimeConnectionLost,
    RealtimeError,
    RealtimeEventInfo,
    RealtimeGuardrailTripped,
    RealtimeHandoffEvent,
    RealtimeHistoryAdded,
    RealtimeHistoryUpdated,
    RealtimeInputAudioTimeoutTriggered,
    RealtimeRawModelEvent,
    RealtimeReconnected,
    RealtimeReconnecting,
    RealtimeSessionClosed,
    RealtimeSessionEvent,
    RealtimeToolApprovalRequired,
    RealtimeToolEnd,
    RealtimeToolStart,
)
from .exceptions import AgentsException, ModelBehaviorError, UserError
from .guardrails import (
    GuardrailFunctionOutput,
    OutputGuardrail,
    OutputGuardrailResult,
    output_guardrail,
)
from .handoffs import Handoff, realtime_handoff
from .history import HistoryView
from .items import (
    AssistantAudio,
    AssistantMessageItem,
    AssistantText,
    InputAudio,
    InputImage,
    InputText,
    RealtimeItem,
    RealtimeMessageItem,
    RealtimeResponse,
    RealtimeToolCallItem,
    SystemMessageItem,
    UserMessageItem,
)
from .listener import AgentError, AgentListener
from .model import (
    ModelAudioTracker,
    RealtimeModel,
    RealtimeModelConfig,
    RealtimeModelListener,
    RealtimePlaybackState,
    RealtimePlaybackTracker,
)
from .model_events import (
    RealtimeConnectionStatus,
    RealtimeModelAudioDoneEvent,
    RealtimeModelAudioEvent,
    RealtimeModelAudioInterruptedEvent,
    RealtimeModelCachedTokensDetails,
    RealtimeModelConnectionStatusEvent,
    RealtimeModelEndOfStreamEvent,
    RealtimeModelErrorEvent,
    RealtimeModelEvent,
    RealtimeModelExceptionEvent,
    RealtimeModelInputAudioTimeoutTriggeredEvent,
    RealtimeModelInputAudioTranscriptionCompletedEvent,
    RealtimeModelInputTokensDetails,
    RealtimeModelItemDeletedEvent,
    RealtimeModelItemUpdatedEvent,
    RealtimeModelOtherEvent,
    RealtimeModelOutputTextDeltaEvent,
    RealtimeModelOutputTokensDetails,
    RealtimeModelRawServerEvent,
    RealtimeModelToolCallEvent,
    RealtimeModelTranscriptDeltaEvent,
    RealtimeModelTurnEndedEvent,
    RealtimeModelTurnStartedEvent,
    RealtimeModelUsageEvent,
)
from .model_inputs import (
    RealtimeModelInputImageContent,
    RealtimeModelInputTextContent,
    RealtimeModelRawClientMessage,
    RealtimeModelSendAudio,
    RealtimeModelSendEvent,
    RealtimeModelSendInterrupt,
    RealtimeModelSendRawMessage,
    RealtimeModelSendSessionUpdate,
    RealtimeModelSendToolOutput,
    RealtimeModelSendUserInput,
    RealtimeModelUserInput,
    RealtimeModelUserInputMessage,
)
from .reconnect import ConnectionState
from .run_context import RunContextWrapper, ToolApprovalItem
from .runner import RealtimeRunner
from .session import RealtimeSession
from .subagent import SubagentTool, subagent
from .tools import (
    FunctionTool,
    ToolContext,
    ToolErrorOutput,
    default_tool_error_function,
    function_tool,
)
from .usage import Usage

if TYPE_CHECKING:
    from .openai_realtime import OpenAIRealtimeWebSocketModel, TransportConfig
    from .sip import OpenAIRealtimeSIPModel

# The transport pulls in websockets; it is imported on first use so the core stays light.
_LAZY = {
    "OpenAIRealtimeWebSocketModel": ".openai_realtime",
    "TransportConfig": ".openai_realtime",
    "OpenAIRealtimeSIPModel": ".sip",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module_name, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "DEFAULT_MODEL_SETTINGS",
    "REJECTION_MESSAGE",
    "AgentError",
    "AgentListener",
    "AgentsException",
    "AssistantAudio",
    "AssistantMessageItem",
    "AssistantText",
    "ConnectionState",
    "FunctionTool",
    "GuardrailFunctionOutput",
    "Handoff",
    "HistoryView",
    "InputAudio",
    "InputImage",
    "InputText",
    "ModelAudioTracker",
    "ModelBehaviorError",
    "OpenAIRealtimeSIPModel",
    "OpenAIRealtimeWebSocketModel",
    "OutputGuardrail",
    "OutputGuardrailResult",
    "PendingToolApproval",
    "RealtimeAgent",
    "RealtimeAgentChanged",
    "RealtimeAgentEndEvent",
    "RealtimeAgentStartEvent",
    "RealtimeAudio",
    "RealtimeAudioEnd",
    "RealtimeAudioFormatName",
    "RealtimeAudioInterrupted",
    "RealtimeConnectionLost",
    "RealtimeConnectionStatus",
    "RealtimeError",
    "RealtimeEventInfo",
    "RealtimeGuardrailTripped",
    "RealtimeGuardrailsSettings",
    "RealtimeHandoffEvent",
    "RealtimeHistoryAdded",
    "RealtimeHistoryUpdated",
    "RealtimeInputAudioNoiseReductionConfig",
    "RealtimeInputAudioTimeoutTriggered",
    "RealtimeInputAudioTranscriptionConfig",
    "RealtimeItem",
    "RealtimeMessageItem",
    "RealtimeModel",
    "RealtimeModelAudioDoneEvent",
    "RealtimeModelAudioEvent",
    "RealtimeModelAudioInterruptedEvent",
    "RealtimeModelCachedTokensDetails",
    "RealtimeModelConfig",
    "RealtimeModelConnectionStatusEvent",
    "RealtimeModelEndOfStreamEvent",
    "RealtimeModelErrorEvent",
    "RealtimeModelEvent",
    "RealtimeModelExceptionEvent",
    "RealtimeModelInputAudioTimeoutTriggeredEvent",
    "RealtimeModelInputAudioTranscriptionCompletedEvent",
    "RealtimeModelInputImageContent",
    "RealtimeModelInputTextContent",
    "RealtimeModelInputTokensDetails",
    "RealtimeModelItemDeletedEvent",
    "RealtimeModelItemUpdatedEvent",
    "RealtimeModelListener",
    "RealtimeModelName",
    "RealtimeModelOtherEvent",
    "RealtimeModelOutputTextDeltaEvent",
    "RealtimeModelOutputTokensDetails",
    "RealtimeModelRawClientMessage",
    "RealtimeModelRawServerEvent",
    "RealtimeModelSendAudio",
    "RealtimeModelSendEvent",
    "RealtimeModelSendInterrupt",
    "RealtimeModelSendRawMessage",
    "RealtimeModelSendSessionUpdate",
    "RealtimeModelSendToolOutput",
    "RealtimeModelSendUserInput",
    "RealtimeModelToolCallEvent",
    "RealtimeModelTracingConfig",
    "RealtimeModelTranscriptDeltaEvent",
    "RealtimeModelTurnEndedEvent",
    "RealtimeModelTurnStartedEvent",
    "RealtimeModelUsageEvent",
    "RealtimeModelUserInput",
    "RealtimeModelUserInputMessage",
    "RealtimePlaybackState",
    "RealtimePlaybackTracker",
    "RealtimePrompt",
    "RealtimeRawModelEvent",
    "RealtimeReconnectConfig",
    "RealtimeReconnected",
    "RealtimeReconnecting",
    "RealtimeResponse",
    "RealtimeRunConfig",
    "RealtimeRunner",
    "RealtimeSession",
    "RealtimeSessionClosed",
    "RealtimeSessionEvent",
    "RealtimeSessionModelSettings",
    "RealtimeToolApprovalRequired",
    "RealtimeToolCallItem",
    "RealtimeToolEnd",
    "RealtimeToolStart",
    "RealtimeTurnDetectionConfig",
    "RealtimeUserInput",
    "RealtimeUserInputImage",
    "RealtimeUserInputMessage",
    "RealtimeUserInputText",
    "RunContextWrapper",
    "SubagentTool",
    "SystemMessageItem",
    "ToolApprovalItem",
    "ToolContext",
    "ToolErrorFormatterArgs",
    "ToolErrorOutput",
    "TransportConfig",
    "Usage",
    "UserError",
    "UserMessageItem",
    "calculate_audio_length_ms",
    "default_tool_error_function",
    "function_tool",
    "normalize_audio_format",
    "output_guardrail",
    "realtime_handoff",
    "subagent",
    "to_ga_format",
]
