"""The relations page: pairs of published claims that contradict, support,
update or resolve each other, both claims side by side, each pair once.

Filtered by RelationFilterSet (relationfilters.py), like its downloads and
/api/relations/; paged by keyset like the other lists, in a fixed number of
queries whatever the page size: the pairs with both claims and their sources
in one query, the total counted once per filter and corpus version.
"""

from claims.models import ClaimRelation
from claims.parameters import SHARED_FILTERS, query_string
from claims.public.relationfilters import RelationFilterSet
from claims.public.views import FilteredListView


class RelationListView(FilteredListView):
    template_name = "claims/relation_list.html"
    filterset_class = RelationFilterSet
    section = "relations"

    def get_queryset(self):
        """Relations between two public claims, with both claims and their sources."""
        return RelationFilterSet.base_queryset()

    def get_active_filters(self):
        """(label, value, URL without it) for each filter in the URL."""
        params, selected = self.request.GET, self.filterset.selected
        names = {
            "type": dict(ClaimRelation.Type.choices),
            "company": {value: obj.name for value, obj in selected["company"] if obj},
            "topic": {value: obj.name for value, obj in selected["topic"] if obj},
            "source": {value: obj.title for value, obj in selected["source"] if obj},
        }
        active = []
        for name, field in self.filterset.form.fields.items():
            for value in params.getlist(name):
                if value.strip():
                    shown = names[name].get(value, value)
                    active.append((field.label, shown, query_string(params, remove=[(name, value)])))
        return active

    def get_context_data(self, **kwargs):
        params = self.request.GET
        return super().get_context_data(
            active_filters=self.get_active_filters(),
            # The text boxes add a value; the values already chosen go along hidden.
            keep_params=[(name, value) for name in SHARED_FILTERS for value in params.getlist(name) if value.strip()],
            **kwargs,
        )
