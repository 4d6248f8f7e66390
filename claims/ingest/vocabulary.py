"""Loading companies.json and topics.json: the vocabularies claims are filed under."""

from collections import Counter

from django.core.exceptions import ValidationError

from claims.models import (
    Company,
    Topic,
)


class VocabularyLoading:
    """The Loader's part that loads companies and topics."""

    def load_vocabulary(self, fixture, kind):
        data = fixture.whole()
        model, lookup, label = (
            (Company, self.companies, "company") if kind == "companies" else (Topic, self.topics, "topic")
        )
        if self.schema_errors(fixture.name, "", f"{kind}File", data, "") or self.nul_errors(fixture.name, "", data):
            return
        records = data[kind]
        slugs = Counter(r["slug"] for r in records)
        for slug, n in slugs.items():
            if n > 1:
                self.error(fixture.name, f"/{kind} ({label} '{slug}')", "slug", f"duplicate slug, {n} records")
        known = set(lookup) | set(slugs)
        existing = {obj.slug: obj for obj in model.objects.all()}
        pending = [
            item
            for index, record in enumerate(records)
            if (item := self.vocabulary_entry(fixture.name, f"/{kind}/{index}", record, kind, existing, known))
        ]
        if self.errors:
            return
        self.save_vocabulary(pending, kind, lookup, label)
        self._check_cycles(fixture.name, model, kind, label)

    def vocabulary_entry(self, file, pointer, record, kind, existing, known):
        """(unsaved company or topic, its parent's slug, its values before) for
        one valid record; None after recording what is wrong with it."""
        model, label = (Company, "company") if kind == "companies" else (Topic, "topic")
        pointer = f"{pointer} ({label} '{record['slug']}')"
        parent = record.get("parent")
        if parent and parent not in known:
            self.error(file, pointer, "parent", f"unknown {label} '{parent}'")
        if parent == record["slug"]:
            self.error(file, pointer, "parent", f"a {label} cannot be its own parent")
        obj = existing.get(record["slug"]) or model(slug=record["slug"])
        before = _vocabulary_values(obj, kind)
        obj.name = record["name"]
        obj.description = record.get("description", "")
        if kind == "companies":
            obj.aliases = record.get("aliases", [])
            obj.wikidata_id = record.get("wikidata", "")
            obj.country = record.get("country", "")
        try:
            obj.full_clean(exclude=["parent", "slug"] if obj.pk else ["parent"], validate_unique=False)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.error(file, pointer, name, " ".join(messages))
            return None
        return obj, parent, before

    def save_vocabulary(self, pending, kind, lookup, label):
        """Save new entries first (a parent may come after its child), then
        every parent link, counting what changed."""
        for obj, _, _ in pending:
            if obj.pk is None:
                obj.save()
                lookup[obj.slug] = obj.pk
        for obj, parent, before in pending:
            obj.parent_id = lookup[parent] if parent else None
            if before is None:
                obj.save()
                self.report.count(label, "created")
            elif before != _vocabulary_values(obj, kind):
                obj.save()
                self.report.count(label, "updated")
            else:
                self.report.count(label, "unchanged")

    def _check_cycles(self, file, model, kind, label):
        parents = dict(model.objects.values_list("pk", "parent_id"))
        slugs = dict(model.objects.values_list("pk", "slug"))
        for pk in parents:
            seen, node = set(), pk
            while node is not None:
                if node in seen:
                    self.error(
                        file,
                        f"/{kind} ({label} '{slugs[pk]}')",
                        "parent",
                        f"parents form a cycle through '{slugs[node]}'",
                    )
                    break
                seen.add(node)
                node = parents.get(node)


def _vocabulary_values(obj, kind):
    if obj.pk is None:
        return None
    values = (obj.name, obj.description, obj.parent_id)
    if kind == "companies":
        values += (tuple(obj.aliases), obj.wikidata_id, obj.country)
    return values
