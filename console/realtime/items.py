"""Conversation items kept in a session's history, as pydantic models."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow")


class InputText(_Part):
    type: Literal["input_text"] = "input_text"
    text: str | None = None


class InputAudio(_Part):
    type: Literal["input_audio"] = "input_audio"
    audio: str | None = None
    transcript: str | None = None


class InputImage(_Part):
    type: Literal["input_image"] = "input_image"
    image_url: str | None = None
    detail: str | None = None


class AssistantText(_Part):
    type: Literal["text"] = "text"
    text: str | None = None


class AssistantAudio(_Part):
    type: Literal["audio"] = "audio"
    audio: str | None = None
    transcript: str | None = None


UserContent = Annotated[InputText | InputAudio | InputImage, Field(discriminator="type")]
AssistantContent = Annotated[AssistantText | AssistantAudio, Field(discriminator="type")]


class _Item(BaseModel):
    model_config = ConfigDict(extra="allow")

    item_id: str
    previous_item_id: str | None = None


class SystemMessageItem(_Item):
    type: Literal["message"] = "message"
    role: Literal["system"] = "system"
    content: list[InputText] = Field(default_factory=list)


class UserMessageItem(_Item):
    type: Literal["message"] = "message"
    role: Literal["user"] = "user"
    content: list[UserContent] = Field(default_factory=list)


class AssistantMessageItem(_Item):
    type: Literal["message"] = "message"
    role: Literal["assistant"] = "assistant"
    status: Literal["in_progress", "completed", "incomplete"] | None = None
    content: list[AssistantContent] = Field(default_factory=list)


class RealtimeToolCallItem(_Item):
    type: Literal["function_call"] = "function_call"
    call_id: str | None = None
    status: Literal["in_progress", "completed", "incomplete"] = "in_progress"
    arguments: str = ""
    name: str = ""
    output: str | None = None


RealtimeMessageItem = SystemMessageItem | UserMessageItem | AssistantMessageItem
RealtimeItem = RealtimeMessageItem | RealtimeToolCallItem


class RealtimeResponse(BaseModel):
    id: str
    output: list[RealtimeMessageItem] = Field(default_factory=list)
