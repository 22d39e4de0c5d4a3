"""The analysis job API in the OpenAPI schema, read from the kinds' declarations each time
the schema is built:

- a request is one of ``<Kind>JobRequest`` (``JobRequest``, discriminated by ``kind``), whose
  ``params`` is that kind's ``<Kind>JobParamsRequest``: every parameter with its type, range
  or choices, default and unit, and no other name;
- a job's ``params`` is one of ``<Kind>JobParams``, the effective parameters of its kind.

The serializers here only annotate; the service validates (``analysis.services.jobs``).
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.serializers import PolymorphicProxySerializerExtension
from drf_spectacular.utils import PolymorphicProxySerializer
from rest_framework import serializers

from analysis.kinds import registry
from analysis.kinds.registry import Kind
from analysis.services import jobs as services


def _component(kind: Kind) -> str:
    return "".join(part.capitalize() for part in kind.name.split("_"))


class KindParams(serializers.Serializer):
    """Annotation only: the parameters of one kind, documented from its declarations
    (component ``<Kind>JobParams``)."""

    def __init__(self, *args, kind: Kind, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)


class KindJobRequest(serializers.Serializer):
    """Annotation only: a request for a job of one kind (component ``<Kind>JobRequest``)."""

    def __init__(self, *args, kind: Kind, **kwargs):
        self.kind = kind
        super().__init__(*args, **kwargs)


class KindParamsSchema(OpenApiSerializerExtension):
    target_class = KindParams
    match_subclasses = True

    def get_name(self, auto_schema, direction):
        return f"{_component(self.target.kind)}JobParams"

    def get_identity(self, auto_schema, direction):
        return ("params", self.target.kind.name)

    def map_serializer(self, auto_schema, direction):
        kind = self.target.kind
        params = services.params_of(kind)
        if direction == "request":
            description = (
                f"The parameters of a {kind.name} job. Each may be left out (or null) for its "
                "default; any other name is refused."
            )
        else:
            description = f"The effective parameters of a {kind.name} job, defaults filled in."
        body = {
            "type": "object",
            "description": description,
            "properties": {param.name: param.schema(direction) for param in params},
        }
        if direction == "request":
            body["additionalProperties"] = False
        return body


class KindJobRequestSchema(OpenApiSerializerExtension):
    target_class = KindJobRequest
    match_subclasses = True

    def get_name(self, auto_schema, direction):
        return f"{_component(self.target.kind)}Job"

    def get_identity(self, auto_schema, direction):
        return ("request", self.target.kind.name)

    def map_serializer(self, auto_schema, direction):
        kind = self.target.kind
        params = auto_schema.resolve_serializer(KindParams(kind=kind), direction)
        return {
            "type": "object",
            "description": f"{kind.label}: {kind.description}",
            "properties": {
                "kind": {"type": "string", "enum": [kind.name]},
                "params": params.ref,
                "title": {
                    "type": "string",
                    "maxLength": 200,
                    "description": "A name to find the job by later.",
                },
            },
            "required": ["kind"],
        }


class LiveProxySerializer(PolymorphicProxySerializer):
    """A polymorphic request whose parts are read from the registry each time the schema is
    built (drf-spectacular's own proxy keeps the first answer)."""

    @property
    def serializers(self):
        return self._source()

    @serializers.setter
    def serializers(self, value):
        self._source = value


class LiveProxySchema(PolymorphicProxySerializerExtension):
    target_class = LiveProxySerializer


JOB_REQUEST = LiveProxySerializer(
    component_name="JobRequest",
    serializers=lambda: {k.name: KindJobRequest(kind=k) for k in registry.kinds()},
    resource_type_field_name="kind",
)


class JobParamsField(serializers.JSONField):
    """The effective parameters of a job; the schema names each kind's (``<Kind>JobParams``)."""


class JobParamsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = JobParamsField

    def map_serializer_field(self, auto_schema, direction):
        refs = [
            auto_schema.resolve_serializer(KindParams(kind=k), direction).ref
            for k in registry.kinds()
        ]
        return {"anyOf": refs, "description": "The parameters of the job's kind."}
