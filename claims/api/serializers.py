"""The JSON shape of each public record."""

from rest_framework import serializers

from claims.models import Author, Citation, Claim, Company, Source, Topic, format_partial_date


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


class ClaimSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The claim's permalink on the site.")
    source = serializers.SlugRelatedField(slug_field="key", read_only=True)
    companies = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    topics = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    period = serializers.CharField(source="period_code", read_only=True, help_text="e.g. 2016, 2020-Q1, 1991/2016")
    value = serializers.DecimalField(max_digits=24, decimal_places=6, coerce_to_string=False, allow_null=True)
    value_max = serializers.DecimalField(max_digits=24, decimal_places=6, coerce_to_string=False, allow_null=True)
    citations = CitationSerializer(many=True, read_only=True)

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
            "metric",
            "speaker",
            "notes",
            "companies",
            "topics",
            "citations",
            "published_at",
            "updated_at",
        ]

    def get_url(self, claim) -> str:
        return self.context["request"].build_absolute_uri(claim.get_absolute_url())


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
