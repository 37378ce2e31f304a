"""JSON schemas for tools: strict-mode normalisation and a schema built from a function."""

from __future__ import annotations

import copy
import inspect
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, get_origin

from pydantic import BaseModel, Field, create_model

from .docstring_parsing import DocstringStyle, parse_docstring
from .exceptions import UserError
from .run_context import RunContextWrapper

_EMPTY_OBJECT: dict[str, Any] = {
    "type": "object",
    "properties": {},
    "additionalProperties": False,
    "required": [],
}


def empty_object_schema() -> dict[str, Any]:
    return copy.deepcopy(_EMPTY_OBJECT)


def ensure_strict_json_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Return a copy of ``schema`` valid for OpenAI strict mode: every object closed
    (``additionalProperties: false``) with all its properties required, ``oneOf`` as ``anyOf``,
    single ``allOf`` merged, ``$ref`` with siblings inlined, and ``default: null`` dropped."""
    if not schema:
        return empty_object_schema()
    root = copy.deepcopy(schema)
    return _strict(root, root)


def _resolve_ref(root: dict[str, Any], ref: str) -> dict[str, Any]:
    if not ref.startswith("#/"):
        raise UserError(f"unexpected $ref {ref!r}: only local references are supported")
    node: Any = root
    for part in ref[2:].split("/"):
        node = node[part]
    if not isinstance(node, dict):
        raise UserError(f"$ref {ref!r} does not point at a schema")
    return node


def _strict(node: Any, root: dict[str, Any]) -> Any:
    if not isinstance(node, dict):
        return node
    for key in ("$defs", "definitions"):
        defs = node.get(key)
        if isinstance(defs, dict):
            for name, sub in defs.items():
                defs[name] = _strict(sub, root)
    if node.get("type") == "object":
        if "additionalProperties" not in node:
            node["additionalProperties"] = False
        elif node["additionalProperties"] is True:
            raise UserError("additionalProperties must not be true in a strict schema")
        props = node.get("properties")
        if isinstance(props, dict):
            node["required"] = list(props)
            for name, sub in props.items():
                props[name] = _strict(sub, root)
    items = node.get("items")
    if isinstance(items, dict):
        node["items"] = _strict(items, root)
    if isinstance(node.get("oneOf"), list):
        node.setdefault("anyOf", []).extend(node.pop("oneOf"))
    if isinstance(node.get("anyOf"), list):
        node["anyOf"] = [_strict(sub, root) for sub in node["anyOf"]]
    all_of = node.get("allOf")
    if isinstance(all_of, list):
        if len(all_of) == 1:
            node.pop("allOf")
            node.update(_strict(all_of[0], root))
        else:
            node["allOf"] = [_strict(sub, root) for sub in all_of]
    if "default" in node and node["default"] is None:
        node.pop("default")
    ref = node.get("$ref")
    if isinstance(ref, str) and len(node) > 1:
        resolved = _resolve_ref(root, ref)
        node.pop("$ref")
        merged = {**resolved, **node}
        return _strict(merged, root)
    return node


def _is_context_annotation(annotation: Any) -> bool:
    origin = get_origin(annotation) or annotation
    return isinstance(origin, type) and issubclass(origin, RunContextWrapper)


@dataclass(slots=True)
class FuncSchema:
    """What ``function_tool`` needs to describe and call a function."""

    name: str
    description: str | None
    params_model: type[BaseModel]
    params_json_schema: dict[str, Any]
    signature: inspect.Signature
    takes_context: bool

    def to_call_args(self, data: BaseModel) -> tuple[list[Any], dict[str, Any]]:
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        params = list(self.signature.parameters.values())
        for param in params[1:] if self.takes_context else params:
            value = getattr(data, param.name)
            if param.kind in (param.POSITIONAL_ONLY, param.POSITIONAL_OR_KEYWORD):
                args.append(value)
            elif param.kind == param.VAR_POSITIONAL:
                args.extend(value)
            elif param.kind == param.KEYWORD_ONLY:
                kwargs[param.name] = value
            else:
                kwargs.update(value)
        return args, kwargs


def function_schema(
    func: Callable[..., Any],
    *,
    name_override: str | None = None,
    description_override: str | None = None,
    docstring_style: DocstringStyle | None = None,
    use_docstring_info: bool = True,
    strict_json_schema: bool = True,
) -> FuncSchema:
    """Build a tool schema from ``func``'s signature, type hints and docstring."""
    name = name_override or getattr(func, "__name__", None)
    if not name:
        raise UserError("a function tool needs a name: pass name_override")
    docs = parse_docstring(func.__doc__, docstring_style) if use_docstring_info else None
    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception as exc:
        raise UserError(
            f"tool {name}: cannot resolve its type hints ({exc}); define the types it uses at "
            "module level"
        ) from exc
    signature = inspect.signature(func)
    params = list(signature.parameters.values())
    takes_context = bool(params) and _is_context_annotation(hints.get(params[0].name))
    fields: dict[str, Any] = {}
    for index, param in enumerate(params):
        annotation = hints.get(param.name, Any)
        if index == 0 and takes_context:
            continue
        if _is_context_annotation(annotation):
            raise UserError(
                f"{name}: the context parameter {param.name!r} must be the first parameter"
            )
        description = docs.params.get(param.name) if docs else None
        if param.kind == param.VAR_POSITIONAL:
            fields[param.name] = (
                list[annotation],  # type: ignore[valid-type]
                Field(default_factory=list, description=description),
            )
        elif param.kind == param.VAR_KEYWORD:
            fields[param.name] = (
                dict[str, annotation],  # type: ignore[valid-type]
                Field(default_factory=dict, description=description),
            )
        else:
            default = ... if param.default is param.empty else param.default
            fields[param.name] = (annotation, Field(default, description=description))
    model = create_model(f"{name}_args", __base__=BaseModel, **fields)
    schema = model.model_json_schema()
    if strict_json_schema:
        schema = ensure_strict_json_schema(schema)
    return FuncSchema(
        name=name,
        description=description_override or (docs.description if docs else None),
        params_model=model,
        params_json_schema=schema,
        signature=signature,
        takes_context=takes_context,
    )
