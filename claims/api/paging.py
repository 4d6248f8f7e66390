"""How the API filters and pages: the same FilterSets and keyset cursors as
the HTML lists, with the API's own answer to a value that names nothing."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from claims.scale.pagination import InvalidCursor, SortKey, paginate


class FilterSetBackend(DjangoFilterBackend):
    """django-filter's backend, keeping the FilterSet on the view so that the
    pagination follows its order (relevance, period, source date ...)."""

    def filter_queryset(self, request, queryset, view):
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        view.filterset = filterset
        queryset = filterset.qs
        unknown = unknown_values(filterset)
        if unknown:
            raise ValidationError(unknown)
        return queryset


def unknown_values(filterset):
    """{parameter: ["No company 'tiktok'."]} for each company, topic or source
    named in the request that the FilterSet found nothing for (a source only
    when it has published claims; a company or topic as the FilterSet looks
    them up, so the 400 follows any change to what counts as public).

    The HTML list shows such a value as a filter matching nothing, and helps
    the reader from there; an API client gets a 400 instead, since an empty
    list would read as "no claims about it". The FilterSet resolves the values
    while filtering (ClaimFilterSet.selected), so this costs no query.
    """
    return {
        name: [f"No {name} '{value}'." for value, found in resolved if found is None]
        for name, resolved in getattr(filterset, "selected", {}).items()
        if any(found is None for _, found in resolved)
    }


class KeysetPagination(BasePagination):
    """Pages of ?page_size= rows (at most 500) after or before an opaque cursor:
    as fast on page 1,000 as on page 1."""

    page_size = 50
    max_page_size = 500
    default_ordering = [SortKey("pk", descending=True)]

    def paginate_queryset(self, queryset, request, view=None):
        ordering = getattr(getattr(view, "filterset", None), "ordering", None) or self.default_ordering
        try:
            size = int(request.query_params.get("page_size", self.page_size))
        except ValueError:
            raise ValidationError({"page_size": ["A whole number."]}) from None
        if not 1 <= size <= self.max_page_size:
            raise ValidationError({"page_size": [f"Between 1 and {self.max_page_size}."]})
        try:
            self.page = paginate(
                queryset,
                ordering,
                size,
                after=request.query_params.get("after") or None,
                before=request.query_params.get("before") or None,
            )
        except InvalidCursor as error:
            raise ValidationError({"cursor": [str(error)]}) from None
        self.request = request
        return self.page.rows

    def _link(self, name, cursor):
        if cursor is None:
            return None
        url = remove_query_param(remove_query_param(self.request.build_absolute_uri(), "after"), "before")
        return replace_query_param(url, name, cursor)

    def get_paginated_response(self, data):
        # The cursors on their own too: a client pages with ?after=<next_after>
        # and its own parameters, without taking the `next` URL apart.
        return Response(
            {
                "next": self._link("after", self.page.next_cursor),
                "next_after": self.page.next_cursor,
                "previous": self._link("before", self.page.previous_cursor),
                "previous_before": self.page.previous_cursor,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        def link(text):
            return {"type": "string", "nullable": True, "format": "uri", "description": text}

        def cursor(text):
            return {"type": "string", "nullable": True, "description": text}

        return {
            "type": "object",
            "required": ["next", "next_after", "previous", "previous_before", "results"],
            "properties": {
                "next": link("The next page: this URL with ?after=<next_after>. Null on the last page."),
                "next_after": cursor(
                    "The cursor of the next page: send it as ?after= with the same filters. Null on the last page."
                ),
                "previous": link("The page before: this URL with ?before=<previous_before>. Null on the first page."),
                "previous_before": cursor(
                    "The cursor of the page before: send it as ?before= with the same filters. Null on the first page."
                ),
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view):
        return [
            {"name": name, "in": "query", "required": False, "description": text, "schema": schema}
            for name, text, schema in (
                (
                    "after",
                    "The page after a cursor: the `next_after` of the page before it. Keep the other parameters.",
                    {"type": "string"},
                ),
                (
                    "before",
                    "The page before a cursor: the `previous_before` of the page after it. Keep the other parameters.",
                    {"type": "string"},
                ),
                (
                    "page_size",
                    f"Rows per page, 1–{self.max_page_size} (default {self.page_size}).",
                    {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
                ),
            )
        ]
