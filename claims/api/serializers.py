"""The JSON shape of each public record."""

from rest_framework import serializers

from claims.models import Author, Citation, Claim, ClaimRelation, Company, Source, Topic, format_partial_date


class CitationSerializer(serializers.ModelSerializer):
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)
    unchecked_reason = serializers.SerializerMethodField(
        help_text="Why an editor let the quote stand unchecked (verification 'no_text'); empty otherwise."
    )
    check = serializers.CharField(
        source="public_label", read_only=True, help_text="What was checked, as the claim page says it."
    )

    class Meta:
        model = Citation
        fields = [
            "source",
            "quote",
            "locator",
            "position",
            "prefix",
            "suffix",
            "verification",
            "unchecked_reason",
            "check",
        ]

    def get_unchecked_reason(self, citation) -> str:
        return citation.unchecked_reason if citation.verification == Citation.Verification.NO_TEXT else ""


class RelatedClaimSerializer(serializers.Serializer):
    """One relation of a claim, read from the claim's side (a RelatedClaim)."""

    type = serializers.ChoiceField(choices=ClaimRelation.Type.choices, read_only=True)
    direction = serializers.ChoiceField(
        choices=["outgoing", "incoming"],
        read_only=True,
        help_text="'outgoing': this claim is the one that contradicts, supports, updates or resolves the other; "
        "'incoming': the other claim is.",
    )
    phrase = serializers.CharField(read_only=True, help_text="The relation from this claim's side: 'is updated by'.")
    url = serializers.SerializerMethodField(help_text="The other claim's permalink.")
    source = serializers.CharField(source="other.source.key", read_only=True, help_text="The other claim's source.")
    key = serializers.CharField(source="other.key", read_only=True, help_text="The other claim's key in its source.")
    note = serializers.CharField(read_only=True)

    def get_url(self, related) -> str:
        return self.context["request"].build_absolute_uri(related.other.get_absolute_url())


class ClaimSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(
        help_text="The claim's permalink on the site, made of its source's key and its own: "
        "https://host/claims/<source>/<key>/. It never changes, and answers with a notice if the claim is retracted."
    )
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)
    companies = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    period = serializers.CharField(source="period_code", read_only=True, help_text="e.g. 2016, 2020-Q1, 1991/2016")
    value = serializers.DecimalField(max_digits=24, decimal_places=6, coerce_to_string=False, allow_null=True)
    value_max = serializers.DecimalField(max_digits=24, decimal_places=6, coerce_to_string=False, allow_null=True)
    value_base = serializers.DecimalField(
        max_digits=40,
        decimal_places=6,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
        help_text="value × scale, in the claim's unit (1.48 billion USD: 1480000000). Never converted between "
        "units or currencies.",
    )
    value_max_base = serializers.DecimalField(
        max_digits=40,
        decimal_places=6,
        coerce_to_string=False,
        allow_null=True,
        read_only=True,
        help_text="value_max × scale, in the claim's unit.",
    )
    citations = CitationSerializer(many=True, read_only=True)
    relations = RelatedClaimSerializer(
        source="related_claims",
        many=True,
        read_only=True,
        help_text="Its relations to other published claims, each once, oldest first.",
    )

    class Meta:
        model = Claim
        fields = [
            "id",
            "url",
            "source",
            "key",
            "text",
            "kind",
            "period",
            "period_start",
            "period_end",
            "value",
            "value_max",
            "value_qualifier",
            "unit",
            "scale",
            "value_base",
            "value_max_base",
            "metric",
            "speaker",
            "notes",
            "companies",
            "topics",
            "citations",
            "relations",
            "published_at",
            "updated_at",
        ]

    def get_url(self, claim) -> str:
        return self.context["request"].build_absolute_uri(claim.get_absolute_url())


class RetractionNoticeSerializer(serializers.Serializer):
    """What a retracted claim's detail answers, with status 410 (claims/public/retractions.py)."""

    status = serializers.SerializerMethodField(help_text="Always 'retracted'.")
    url = serializers.SerializerMethodField(help_text="The claim's permalink, which shows the same notice.")
    source = serializers.CharField(source="claim.source.key", help_text="The key of the source it was taken from.")
    key = serializers.CharField(source="claim.key")
    text = serializers.CharField(source="claim.text", help_text="The claim's words when it was retracted.")
    retracted_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was retracted; null when the corpus did not record it."
    )
    reason = serializers.CharField(help_text="Why an editor retracted it.")
    updated_by = serializers.SerializerMethodField(help_text="Permalinks of published claims that update it.")

    def get_status(self, notice) -> str:
        return "retracted"

    def get_url(self, notice) -> str:
        return self.context["request"].build_absolute_uri(notice.claim.get_absolute_url())

    def get_updated_by(self, notice) -> list[str]:
        return [self.context["request"].build_absolute_uri(claim.get_absolute_url()) for claim in notice.updated_by]


class AuthorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Author
        fields = ["family", "given", "organisation", "role"]


class SourceSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The source's page on the site.")
    authors = AuthorSerializer(many=True, read_only=True)
    published = serializers.SerializerMethodField(help_text="As precise as known: YYYY, YYYY-MM or YYYY-MM-DD.")
    link = serializers.URLField(source="url", allow_blank=True, help_text="Where the source was published.")

    class Meta:
        model = Source
        fields = [
            "key",
            "url",
            "kind",
            "title",
            "authors",
            "publisher",
            "venue",
            "volume",
            "issue",
            "pages",
            "published",
            "doi",
            "link",
            "language",
        ]

    def get_url(self, source) -> str:
        return self.context["request"].build_absolute_uri(source.get_absolute_url())

    def get_published(self, source) -> str | None:
        return format_partial_date(source.published, source.published_precision) or None


class CompanySerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The company's page on the site.")
    parent = serializers.SlugRelatedField(source="public_parent", slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Company
        fields = ["slug", "url", "name", "aliases", "parent", "wikidata_id", "country"]

    def get_url(self, company) -> str:
        return self.context["request"].build_absolute_uri(company.get_absolute_url())


class TopicSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The topic's page on the site.")
    parent = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = Topic
        fields = ["slug", "url", "name", "parent", "description"]

    def get_url(self, topic) -> str:
        return self.context["request"].build_absolute_uri(topic.get_absolute_url())


# -- views ------------------------------------------------------------------------------


class PairClaimSerializer(serializers.ModelSerializer):
    """One claim of a pair, as the relations page shows it."""

    url = serializers.SerializerMethodField(help_text="The claim's permalink on the site.")
    source = serializers.CharField(source="source.key", read_only=True)
    source_title = serializers.CharField(source="source.title", read_only=True)
    period = serializers.CharField(source="period_code", read_only=True, help_text="e.g. 2016, 2020-Q1, 1991/2016")
    figure = serializers.CharField(
        source="value_display", read_only=True, help_text="The figure as the site shows it, e.g. '12 billion USD'."
    )

    class Meta:
        model = Claim
        fields = ["url", "source", "source_title", "key", "text", "kind", "period", "figure"]

    def get_url(self, claim) -> str:
        return self.context["request"].build_absolute_uri(claim.get_absolute_url())


class RelationSerializer(serializers.ModelSerializer):
    """A pair of published claims: "from" contradicts, supports, updates or resolves "to"."""

    class Meta:
        model = ClaimRelation
        fields = ["type", "note"]

    def get_fields(self):
        # "from" is a Python keyword: no class attribute can bear the name.
        return {
            **super().get_fields(),
            "from": PairClaimSerializer(source="from_claim", read_only=True),
            "to": PairClaimSerializer(source="to_claim", read_only=True),
        }
