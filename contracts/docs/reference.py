"""Everything the HTML reference shows, gathered from the spec into plain values.

The template only lays these values out; every fact on the page comes from
``spec/openapi.yaml`` (descriptions, enums, examples, ``x-ocp-*`` extensions), from what is
derived from it (version profiles, task pictures), or, for the failure path's state charts,
from OCP's vocabulary (:data:`contracts.ocp.CONTROL_CALLS`) and the engine's moves
(:mod:`contracts.docs.task_lifecycle`). Nothing about OCP is written here.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

from contracts.docs.schema_view import Part, SchemaView, constraints, schema_view, type_parts
from contracts.docs.statechart import ChartGeometry, render_state_chart
from contracts.docs.statuses import subtask_statuses, task_statuses
from contracts.docs.svg import render_svg
from contracts.docs.task_lifecycle import LEVELS, CallRow, call_rows, moves, states
from contracts.docs.taskgraph import has_graph, task_graph
from contracts.ocp import TASK_NOT_FOUND_CODE, TASK_PROHIBITS_ROLLBACK_CODE, TASK_STATE_INVALID_CODE
from contracts.spec import Spec, follow_refs
from contracts.versions import PROFILE_NAMES, Feature, features, profile

__all__ = ["Reference", "build_reference", "split_sections"]

_METHODS = ("get", "put", "post", "delete", "patch")
_HEADING = re.compile(r"\*\*(?P<title>[^*]+?)\*\*\s*(?P<rest>.*)", re.DOTALL)


@dataclass(frozen=True)
class Section:
    title: str
    anchor: str
    body: str


@dataclass(frozen=True)
class ParameterView:
    name: str
    location: str
    required: bool
    type: list[Part]
    constraints: list[str]
    description: str
    example: str
    since: str | None


@dataclass(frozen=True)
class NamedJson:
    name: str
    summary: str
    json: str


@dataclass(frozen=True)
class BodyView:
    required: bool
    description: str
    type: list[Part]
    since: str | None
    lacking: list[str]
    examples: list[NamedJson]


@dataclass(frozen=True)
class ExampleLink:
    name: str
    summary: str
    anchor: str


@dataclass(frozen=True)
class ResponseView:
    status: str
    description: str
    type: list[Part]
    headers: list[str]
    examples: list[ExampleLink]


@dataclass(frozen=True)
class LinkView:
    name: str
    operation_id: str
    parameters: dict[str, str]
    description: str
    method: str


@dataclass(frozen=True)
class OperationView:
    operation_id: str
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    roles: list[str]
    destructive: bool
    parameters: list[ParameterView]
    body: BodyView | None
    responses: list[ResponseView]
    links: list[LinkView]
    #: The first OCP version that documents the operation (``x-ocp-since``), and the versions
    #: the contract knows that lack it.
    since: str | None = None
    lacking: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ServerRow:
    """One OBProxy server of a cluster example: what an upgrade changes, at a glance."""

    id: str
    address: str
    version: str
    status: str
    operate_status: str


def _servers(data: Any) -> list[ServerRow]:
    """The servers of a cluster example's ``data`` (its ``obproxies``), else ``[]``."""
    servers = data.get("obproxies") if isinstance(data, dict) else None
    if not isinstance(servers, list):
        return []
    rows = []
    for server in (s for s in servers if isinstance(s, dict)):
        port = f":{server['sqlPort']}" if "sqlPort" in server else ""
        rows.append(ServerRow(str(server.get("id", "")), f"{server.get('ip', '')}{port}",
                              str(server.get("version", "")), str(server.get("status", "")),
                              str(server.get("operateStatus", ""))))
    return rows


@dataclass(frozen=True)
class ExampleView:
    name: str
    anchor: str
    summary: str
    description: str
    operation_id: str
    status: str
    json: str
    picture: Markup | None
    task_status: str
    subtask_count: int
    #: Every (operationId, status) that answers with this example, the first one included.
    uses: list[tuple[str, str]] = field(default_factory=list)
    #: A cluster example's servers, and a log example's text, shown as such beside the JSON.
    servers: list[ServerRow] = field(default_factory=list)
    log: str | None = None


@dataclass
class ErrorView:
    status: str
    name: str
    description: str
    #: ``(error.code, message)`` of each of its examples: one refusal may have several codes.
    codes: list[tuple[str, str]]
    operations: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SecurityView:
    name: str
    kind: str
    description: str
    since: str | None
    lacking: list[str]


@dataclass(frozen=True)
class VersionRow:
    feature: Feature
    cells: list[bool]


@dataclass(frozen=True)
class LifecycleChart:
    level: str
    uid: str
    svg: Markup


@dataclass(frozen=True)
class Lifecycle:
    """The failure path: a state chart per level, and the control calls with their refusals."""

    charts: list[LifecycleChart]
    calls: list[CallRow]
    #: operationIds of the calls the spec documents (the others are listed without a link).
    documented: frozenset[str]
    not_found_code: int = TASK_NOT_FOUND_CODE
    state_invalid_code: int = TASK_STATE_INVALID_CODE
    prohibits_rollback_code: int = TASK_PROHIBITS_ROLLBACK_CODE


#: The task chart has three states and wide labels between them: it gets room to spread out.
_GEOMETRY = {"task": ChartGeometry(gap=220), "subtask": ChartGeometry()}


def build_lifecycle(spec: Spec) -> Lifecycle:
    """The lifecycle charts and the control calls of :data:`contracts.ocp.CONTROL_CALLS`."""
    charts = []
    for level in LEVELS:
        level_moves = moves(level)
        calls = sorted({route for move in level_moves for route in move.routes})
        title = (f"State chart of a {level}: its statuses {', '.join(states(level))}, and {len(level_moves)} "
                 f"moves between them, by the engine or by a control call")
        description = (f"Moves by a control call on the {level}: {', '.join(calls).replace('-', ' ')}. "
                       "Moves above the row go right, those below go left; each arrow's label names "
                       "what makes the move.")
        svg = render_state_chart(states(level), level_moves, uid=f"lifecycle-{level}", title=title,
                                 description=description, geometry=_GEOMETRY[level])
        charts.append(LifecycleChart(level, f"lifecycle-{level}", Markup(svg)))  # safe: autoescaped template
    return Lifecycle(charts, call_rows(), frozenset(spec.operations))


@dataclass
class Reference:
    """The whole page's content."""

    title: str
    summary: str
    version: str
    doc_versions: list[str]
    intro: str
    sections: list[Section]
    operations: list[OperationView]
    examples: list[ExampleView]
    errors: list[ErrorView]
    schema_groups: list[tuple[str, list[SchemaView]]]
    security: list[SecurityView]
    profiles: list[str]
    profile_versions: list[str]
    version_rows: list[VersionRow]
    subtask_statuses: list[str]
    task_statuses: list[str]
    lifecycle: Lifecycle

    def section(self, title: str) -> Section | None:
        """The description section with this title, if the spec has one."""
        return next((s for s in self.sections if s.title == title), None)


def _readable(component: str) -> str:
    """``TooManyRequests`` → ``Too many requests``: a component's name as words."""
    words = re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z0-9]+", component)
    return " ".join([words[0], *(w if w.isupper() else w.lower() for w in words[1:])]) if words else component


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def split_sections(markdown: str) -> tuple[str, list[Section]]:
    """Split a description at paragraphs that open with ``**Title.**``: intro, then sections."""
    intro: list[str] = []
    sections: list[tuple[str, list[str]]] = []
    for paragraph in re.split(r"\n\s*\n", markdown.strip()):
        match = _HEADING.match(paragraph)
        if match:
            sections.append((match["title"].rstrip(".: "), [match["rest"]] if match["rest"].strip() else []))
        elif sections:
            sections[-1][1].append(paragraph)
        else:
            intro.append(paragraph)
    found = [Section(title, "about-" + _slug(title), "\n\n".join(body)) for title, body in sections]
    return "\n\n".join(intro), found


class _Builder:
    """Walks the spec once; keeps the document and the version profiles at hand."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        self.doc = spec.document
        self.schemas: dict[str, Any] = self.doc.get("components", {}).get("schemas", {})
        self.profiles = [profile(name, spec) for name in PROFILE_NAMES]
        self.examples: dict[str, ExampleView] = {}
        self.anchors: set[str] = set()
        self.errors: dict[str, ErrorView] = {}

    def deref(self, node: Any) -> tuple[Any, str | None]:
        """``(target, component name)`` of a local ``$ref`` (or the node itself and ``None``)."""
        return follow_refs(self.doc, node)

    def method_of(self, operation_id: str) -> str:
        known = self.spec.operations.get(operation_id)
        return known.method if known else "GET"

    def lacking(self, pointer: str) -> list[str]:
        """The profile names that lack the feature marked at ``pointer``."""
        return [p.name for p in self.profiles if any(f.pointer == pointer for f in p.unavailable)]

    def parameter(self, node: Any) -> ParameterView:
        param, _ = self.deref(node)
        schema = param.get("schema", {})
        first: dict[str, Any] = next(iter(param.get("examples", {}).values()), {})
        example = param.get("example", first.get("value", ""))
        return ParameterView(
            name=param["name"],
            location=param.get("in", ""),
            required=bool(param.get("required")),
            type=type_parts(schema),
            constraints=constraints(schema) + constraints(schema.get("items")),
            description=str(param.get("description", "")),
            example=",".join(map(str, example)) if isinstance(example, list) else str(example),
            since=param.get("x-ocp-since"),
        )

    def body(self, operation: dict[str, Any], pointer: str) -> BodyView | None:
        node, _ = self.deref(operation.get("requestBody"))
        if not isinstance(node, dict):
            return None
        media = node.get("content", {}).get("application/json", {})
        examples = [
            NamedJson(name, str(ex.get("summary", "")), _json(ex.get("value")))
            for name, ex in ((n, self.deref(e)[0]) for n, e in media.get("examples", {}).items())
        ]
        return BodyView(
            required=bool(node.get("required")),
            description=str(node.get("description", "")),
            type=type_parts(media.get("schema", {})),
            since=node.get("x-ocp-since"),
            lacking=self.lacking(pointer),
            examples=examples,
        )

    def response(self, operation_id: str, status: str, node: Any) -> ResponseView:
        response, component = self.deref(node)
        content = response.get("content", {})
        media: dict[str, Any] = content.get("application/json") or next(iter(content.values()), {})
        links: list[ExampleLink] = []
        named = list(media.get("examples", {}).items())
        if "example" in media:  # an unnamed example: named after its response, as a reader would say it
            named.insert(
                0,
                (
                    _readable(component) if component else f"HTTP {status} of {operation_id}",
                    {"value": media["example"]},
                ),
            )
        # an example written inside a shared response belongs to that response; else to this answer
        owner = component or f"{operation_id} {status}"
        for name, example_node in named:
            example, example_component = self.deref(example_node)
            key = example_component or f"{owner}/{name}"
            view = self.example(key, example_component or name, owner, example, operation_id, status)
            links.append(ExampleLink(view.name, view.summary, view.anchor))
        if status[:1] in "45":
            self.error(status, component or f"HTTP {status} of {operation_id}", response, named, operation_id)
        return ResponseView(
            status=status,
            description=str(response.get("description", "")),
            type=type_parts(media["schema"]) if "schema" in media else [],
            headers=list(response.get("headers", {})),
            examples=links,
        )

    def example(self, key: str, name: str, owner: str, example: dict[str, Any], operation_id: str,
                status: str) -> ExampleView:
        """The view of one example, made once per ``key`` however many answers use it; a name
        that two different examples share is told apart by its owner (``documentedSample of
        skipSubtask 200``)."""
        if key in self.examples:
            self.examples[key].uses.append((operation_id, status))
            return self.examples[key]
        if f"example-{_slug(name)}" in self.anchors:
            name = f"{name} of {owner}"
        value = example.get("value")
        data = value.get("data") if isinstance(value, dict) else None
        picture = None
        if isinstance(data, dict) and has_graph(data):
            label = f"Subtask graph of the example {name}: {len(data.get('subtasks', []))} subtasks"
            picture = Markup(
                render_svg(task_graph(data), uid=f"dag-{name}", title=label)
            )  # safe: autoescaped template
        anchor = f"example-{_slug(name)}"
        self.anchors.add(anchor)
        view = ExampleView(
            name=name,
            anchor=anchor,
            summary=str(example.get("summary", "")),
            description=str(example.get("description", "")),
            operation_id=operation_id,
            status=status,
            json=_json(value),
            picture=picture,
            task_status=str(data.get("status", "")) if isinstance(data, dict) else "",
            subtask_count=len(data.get("subtasks", [])) if isinstance(data, dict) else 0,
            uses=[(operation_id, status)],
            servers=_servers(data),
            log=data["log"] if isinstance(data, dict) and isinstance(data.get("log"), str) else None,
        )
        self.examples[key] = view
        return view

    def error(
        self,
        status: str,
        name: str,
        response: dict[str, Any],
        named: list[tuple[str, Any]],
        operation_id: str,
    ) -> None:
        if name not in self.errors:
            codes = []
            for _, example_node in named:
                value = self.deref(example_node)[0].get("value")
                error = value.get("error") if isinstance(value, dict) else None
                if not isinstance(error, dict):
                    continue
                line = (str(error.get("code", "")), str(error.get("message", "")))
                if line not in codes:
                    codes.append(line)
            self.errors[name] = ErrorView(status, name, str(response.get("description", "")), codes)
        self.errors[name].operations.append(operation_id)

    def operation(self, path: str, method: str, operation: dict[str, Any]) -> OperationView:
        operation_id = operation["operationId"]
        pointer = "/paths/" + path.replace("~", "~0").replace("/", "~1") + f"/{method}"
        links = [
            LinkView(
                name,
                str(link.get("operationId", "")),
                {k: str(v) for k, v in link.get("parameters", {}).items()},
                str(link.get("description", "")),
                self.method_of(str(link.get("operationId", ""))),
            )
            for status_node in operation.get("responses", {}).values()
            for name, link in self.deref(status_node)[0].get("links", {}).items()
        ]
        return OperationView(
            operation_id=operation_id,
            anchor=f"op-{operation_id}",
            method=method.upper(),
            path=path,
            summary=str(operation.get("summary", "")),
            description=str(operation.get("description", "")),
            roles=[str(r) for r in operation.get("x-ocp-roles", [])],
            destructive=bool(operation.get("x-ocp-destructive")),
            parameters=[self.parameter(p) for p in operation.get("parameters", [])],
            body=self.body(operation, pointer + "/requestBody"),
            responses=[
                self.response(operation_id, str(s), r) for s, r in operation.get("responses", {}).items()
            ],
            links=links,
            since=operation.get("x-ocp-since"),
            lacking=self.lacking(pointer),
        )

    def security(self) -> list[SecurityView]:
        schemes = self.doc.get("components", {}).get("securitySchemes", {})
        return [
            SecurityView(
                name,
                f"{s.get('type', '')} {s.get('scheme', s.get('in', ''))}".strip(),
                str(s.get("description", "")),
                s.get("x-ocp-since"),
                self.lacking(f"/components/securitySchemes/{name}"),
            )
            for name, s in schemes.items()
        ]

    def schema_groups(self) -> list[tuple[str, list[SchemaView]]]:
        order = [
            "Envelopes and errors",
            "Request bodies",
            "Tasks, subtasks and pages",
            "OBProxy clusters and servers",
            "Enumerations",
            "Field types",
        ]
        groups: dict[str, list[SchemaView]] = {name: [] for name in order}
        for name, schema in self.schemas.items():
            view = schema_view(name, schema, self.schemas)
            groups.setdefault(view.group, []).append(view)
        return [(name, views) for name, views in groups.items() if views]


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False)


def build_reference(spec: Spec) -> Reference:
    """Gather the page's content from ``spec``."""
    builder = _Builder(spec)
    info = spec.document.get("info", {})
    intro, sections = split_sections(str(info.get("description", "")))
    operations = [
        builder.operation(path, method, item[method])
        for path, item in spec.document.get("paths", {}).items()
        for method in _METHODS
        if method in item
    ]
    marked = features(spec.document)
    return Reference(
        title=str(info.get("title", "API reference")),
        summary=str(info.get("summary", "")),
        version=str(info.get("version", "")),
        doc_versions=[str(v) for v in info.get("x-ocp-doc-versions", [])],
        intro=intro,
        sections=sections,
        operations=operations,
        examples=list(builder.examples.values()),
        errors=sorted(builder.errors.values(), key=lambda e: (e.status, e.name)),
        schema_groups=builder.schema_groups(),
        security=builder.security(),
        profiles=[p.name for p in builder.profiles],
        profile_versions=[
            "newest" if p.version is None else ".".join(map(str, p.version)) for p in builder.profiles
        ],
        version_rows=[VersionRow(f, [p.applies(f) for p in builder.profiles]) for f in marked],
        subtask_statuses=subtask_statuses(spec),
        task_statuses=task_statuses(spec),
        lifecycle=build_lifecycle(spec),
    )
