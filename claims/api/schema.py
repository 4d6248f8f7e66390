"""What the OpenAPI schema says beyond what drf-spectacular finds by itself:
the errors every operation may answer, and each filter's type, description
and examples as the API reads it (drf-spectacular would type period_from as
a date, from the model field it compares with, though "2018" is accepted)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_field

from claims.public.filters import PartialDateFilter, ValueListFilter, YearListFilter

# YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD, as claims.models.parse_partial_date reads
# them; a date the pattern allows but the calendar does not (2018-02-30) is a 400.
PARTIAL_DATE_PATTERN = r"^[0-9]{4}(-Q[1-4]|-(0[1-9]|1[0-2])(-(0[1-9]|[12][0-9]|3[01]))?)?$"

# Repeatable filters are arrays in the schema: ?company=alibaba&company=tencent.
extend_schema_field({"type": "array", "items": {"type": "string"}})(ValueListFilter)
extend_schema_field({"type": "array", "items": {"type": "integer", "minimum": 1000, "maximum": 9999}})(YearListFilter)
extend_schema_field({"type": "string", "pattern": PARTIAL_DATE_PATTERN})(PartialDateFilter)


# By parameter name: what a value names, with examples from the shipped
# corpus (fixtures/), how repeats combine, what is refused. The examples are
# in the text, not OpenAPI `examples`: Swagger UI fills every parameter with
# its first example when one tries an operation, and five filters at once
# leave next to nothing of the list.
FILTER_DOCS = {
    "company": (
        "A company, by slug as `/api/companies/` lists it, or by name or alias in any case: "
        "`alibaba`, `Alibaba Group` or `阿里巴巴`. Repeat it for claims about every one of the companies: "
        "`?company=alibaba&company=tencent`. A value naming no company is a 400 that names it."
    ),
    "topic": (
        "A topic, by slug as `/api/topics/` lists it, e.g. `fintech`; claims in its sub-topics count too. "
        "Repeat it for claims in every one of the topics: `?topic=fintech&topic=cloud-computing`. "
        "A value naming no topic is a 400 that names it."
    ),
    "source": (
        "A source, by key as `/api/sources/` lists it, e.g. `sacks-2018-disruptors-innovators-thieves`. "
        "Repeat it for claims from any of the sources. A key of no source with published claims is a 400 "
        "that names it."
    ),
    "period_from": (
        "Claims whose period ends on or after the start of this date: `2018`, `2018-Q3`, `2018-03` or "
        "`2018-03-01`. A claim about 2016–2019 is found from 2018."
    ),
    "period_to": (
        "Claims whose period starts on or before the end of this date: `2018` (to 31 December 2018), "
        "`2018-Q3`, `2018-03` or `2018-03-01`."
    ),
}


ERRORS = {
    "type": "object",
    "description": "What is wrong, by parameter: {parameter: [messages]}.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}


class CorpusAutoSchema(AutoSchema):
    """Documents the answers every operation may give besides its result (400
    for an invalid filter, cursor or page size, or an unknown company, topic or
    source; 404 for an unknown object) and the filters as the API reads them."""

    def _get_filter_parameters(self):
        parameters = super()._get_filter_parameters()
        for parameter in parameters:
            # A filter typed by hand (above) loses its label: give it back.
            description = FILTER_DOCS.get(parameter["name"]) or parameter.get("description")
            description = description or self._filter_label(parameter["name"])
            if description:
                parameter["description"] = description
        return parameters

    def _filter_label(self, name):
        """The label of the view's filter called name, if any."""
        filterset_class = getattr(self.view, "filterset_class", None)
        found = filterset_class.base_filters.get(name) if filterset_class else None
        return found.label if found is not None else None

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        responses.setdefault(
            "400", {"content": {"application/json": {"schema": ERRORS}}, "description": "Invalid parameters."}
        )
        if self._is_list_view() is False:
            not_found = {"type": "object", "properties": {"detail": {"type": "string"}}}
            responses.setdefault(
                "404",
                {"content": {"application/json": {"schema": not_found}}, "description": "No such published object."},
            )
        return responses
