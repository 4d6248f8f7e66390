"""The corpus: what published sources say about companies.

Read top to bottom: Source (with its ordered Authors), Company, Topic, Claim,
Citation (claim -> source, with the verbatim quote) and ClaimRelation.

Rules live where the database can enforce them (check and unique
constraints) and in clean() where it cannot. "Public" is defined once, on
ClaimQuerySet.public(): every public view, export, API and count starts there.

Kept in one module because Django reads an app's models from one place and
these eight are one design: each refers to the others, and reading them in
order is how a newcomer learns the domain. What is not a model or a rule of
one — quote matching, the topic tree, evidence states — lives beside it.
"""

import calendar
import datetime
import functools
import hashlib
import json
import re
import threading
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Length
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import get_script_prefix, reverse
from django.utils import timezone
from django.utils.text import slugify
from simple_history.models import HistoricalRecords

from claims import evidence
from claims.fields import IdArrayField
from claims.plaintext import VisibleCharField, VisibleTextField, describe, hidden_characters
from claims.quotes import SourceText, verification_fields

# A quote is a sentence or two, never a passage: short quotes keep the corpus
# on the right side of fair use and make each citation checkable at a glance.
QUOTE_MAX_LENGTH = 300
# ... and never a lone word or a full stop, which every text "contains".
QUOTE_MIN_WORDS = 2
QUOTE_WORD = re.compile(r"\w+")

# The longest free text each kind of field may hold: generous for real
# content (the longest in fixtures/ is a 897-character source note, a
# 472-character claim), and a bound on what one row can make a public page
# weigh. docs/fixtures.md lists them; fixtures/schema.json says the same
# (tests/test_plaintext.py holds them equal).
CLAIM_TEXT_MAX_LENGTH = 2000
NOTE_MAX_LENGTH = 5000  # a claim's notes: conflicts, conversions, doubts
SOURCE_NOTE_MAX_LENGTH = 10000
REASON_MAX_LENGTH = 2000  # why retracted, why sent back
UNCHECKED_REASON_MAX_LENGTH = 1000
DESCRIPTION_MAX_LENGTH = 2000  # of a company or a topic
RELATION_NOTE_MAX_LENGTH = 1000
ALIAS_MAX_LENGTH = 200


class DatePrecision(models.TextChoices):
    YEAR = "year", "year"
    QUARTER = "quarter", "quarter"
    MONTH = "month", "month"
    DAY = "day", "day"


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-Q([1-4])|-(\d{2})(?:-(\d{2}))?)?$")


def parse_partial_date(value, end=False):
    """'2020' -> (2020-01-01, year); '2020-Q1' -> (2020-01-01, quarter);
    '2018-03' -> (2018-03-01, month). With end=True, the last day instead.
    Raises ValueError with a readable message."""
    match = _PARTIAL_DATE.match(value or "")
    if not match:
        raise ValueError(f"{value!r} is not a date of the form YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD")
    year, quarter, month, day = match.groups()
    year = int(year)
    if quarter:
        first, last = (int(quarter) - 1) * 3 + 1, int(quarter) * 3
        if end:
            return datetime.date(year, last, calendar.monthrange(year, last)[1]), DatePrecision.QUARTER
        return datetime.date(year, first, 1), DatePrecision.QUARTER
    if day:
        try:
            return datetime.date(year, int(month), int(day)), DatePrecision.DAY
        except ValueError:
            raise ValueError(f"{value!r} is not a real calendar date") from None
    if month:
        if not 1 <= int(month) <= 12:
            raise ValueError(f"{value!r} has no month {month}")
        m = int(month)
        return datetime.date(year, m, calendar.monthrange(year, m)[1] if end else 1), DatePrecision.MONTH
    return datetime.date(year, 12, 31) if end else datetime.date(year, 1, 1), DatePrecision.YEAR


# An interval is start/end; curators also write it with a dash: 2016–2019.
_PERIOD_ENDS = re.compile(r"\s*[/–—]\s*|\s+to\s+")
_YEARS_WITH_HYPHEN = re.compile(r"([0-9]{4})-([0-9]{4})")


def parse_period(code):
    """'2020', '2020-Q1', '2019-03', '2018-12-19', or an interval '2016/2019'
    (also '2016–2019', '2016-2019', '2019-06/2020-Q1') -> (start, start
    precision, end, end precision); all None/'' for a blank code. Raises
    ValueError with a message a curator can act on."""
    code = (code or "").strip()
    if not code:
        return None, "", None, ""
    years = _YEARS_WITH_HYPHEN.fullmatch(code)
    ends = list(years.groups()) if years else _PERIOD_ENDS.split(code)
    if len(ends) > 2:
        raise ValueError(f"{code!r} has more than two ends: write one date, or start/end such as 2016/2019")
    start, start_precision = parse_partial_date(ends[0])
    end, end_precision = parse_partial_date(ends[-1], end=True)
    if end < start:
        raise ValueError(f"{code!r} ends before it starts")
    return start, start_precision, end, end_precision


def plain_number(value):
    """A Decimal as the plain JSON number it stands for (12.5, not 12.500000)."""
    return json.loads(format(value.normalize(), "f")) if isinstance(value, Decimal) else value


def in_base_units(number, scale):
    """12.2 'billion' as 12200000000: a figure's number on one scale, for
    comparing and charting figures of one unit. Never converts between units
    or currencies."""
    if number is None:
        return None
    return number * Claim.SCALE_FACTORS.get(scale or "one", 1)


def format_partial_date(date, precision):
    """The inverse of parse_partial_date: the date as precise as it is known."""
    if date is None:
        return ""
    if precision == DatePrecision.YEAR:
        return f"{date.year}"
    if precision == DatePrecision.QUARTER:
        return f"{date.year}-Q{(date.month - 1) // 3 + 1}"
    if precision == DatePrecision.MONTH:
        return f"{date.year}-{date.month:02d}"
    return date.isoformat()


# Stand in for the arguments of a detail URL: integers, so that they match
# both <int:...> and <slug:...>, and long enough to occur nowhere else.
_URL_ARGUMENTS = (918273645546372819, 918273645546372820)


@functools.lru_cache(maxsize=64)
def _detail_url_parts(name, arity, script_prefix):
    url = reverse(name, args=_URL_ARGUMENTS[:arity])
    parts = []
    for argument in _URL_ARGUMENTS[:arity]:
        before, url = url.split(str(argument))
        parts.append(before)
    return (*parts, url)


def detail_url(name, *values):
    """reverse(name, args=values) for a URL with one or two slug or integer
    arguments, at a fraction of its cost: a list page links 200 objects, and
    reverse() was a third of its rendering time. Slugs and integers need no
    quoting."""
    parts = _detail_url_parts(name, len(values), get_script_prefix())
    if len(values) == 1:
        return f"{parts[0]}{values[0]}{parts[1]}"
    return f"{parts[0]}{values[0]}{parts[1]}{values[1]}{parts[2]}"


# Dashes and slashes inside a metric label part words ("Alibaba Cloud–WeWork"):
# slugify() would drop them and glue the words together.
_METRIC_WORD_BREAKS = re.compile(r"[\u2010-\u2015\u2212/]")


def metric_slug(label):
    """The address of a metric's page (/metrics/<slug>/): the label slugified,
    ASCII only; a label with no ASCII letter or digit gets 'metric-' and a
    digest instead. Two labels may share a slug ("mobile-payment" and "mobile
    payment"): the page shows each under its own heading. Every link to a
    metric's page is built from this one function."""
    slug = slugify(_METRIC_WORD_BREAKS.sub(" ", label))
    return slug or f"metric-{hashlib.sha256(label.encode()).hexdigest()[:12]}"


def metric_url(label):
    """The page of the metric called label."""
    return detail_url("claims:metric-detail", metric_slug(label))


# A file name with no directory part: no '/', no '\\', no '..', not hidden.
text_file_name_validator = RegexValidator(
    r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,199}$",
    "A bare file name such as '002_303592e917e848d7.txt': letters, digits, '.', '_' and '-', no directories.",
)

slug_validator = RegexValidator(
    r"^[a-z0-9]+(?:-[a-z0-9]+)*$", "Use lowercase letters, digits and single hyphens, e.g. 'ant-financial'."
)


class Source(models.Model):
    """A published document that claims are taken from."""

    class Kind(models.TextChoices):
        JOURNAL_ARTICLE = "journal_article", "journal article"
        REPORT = "report", "report"
        WEB_ARTICLE = "web_article", "web article"
        MAGAZINE_ARTICLE = "magazine_article", "magazine article"
        INTERVIEW = "interview", "interview"
        BOOK = "book", "book"
        FILING = "filing", "filing"
        DATASET = "dataset", "dataset"
        OTHER = "other", "other"

    key = models.SlugField(
        max_length=100,
        unique=True,
        validators=[slug_validator],
        help_text="Stable natural key used by fixtures, e.g. 'sacks-2018-disruptors-innovators-thieves'. "
        "Never change it.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = VisibleCharField(max_length=500, help_text="As printed, subtitle after a colon.")
    publisher = VisibleCharField(max_length=300, blank=True)
    venue = VisibleCharField(
        max_length=300,
        blank=True,
        help_text="Journal, magazine or site, e.g. 'Herald of the Russian Academy of Sciences'.",
    )
    volume = models.CharField(max_length=20, blank=True)
    issue = models.CharField(max_length=20, blank=True)
    pages = models.CharField(max_length=40, blank=True, help_text="Page range, e.g. '779–788'.")
    published = models.DateField(
        null=True, blank=True, help_text="Publication date; only as precise as published_precision says."
    )
    published_precision = models.CharField(
        max_length=10,
        choices=[c for c in DatePrecision.choices if c[0] != DatePrecision.QUARTER],
        blank=True,
        help_text="year, month or day; blank when the date is unknown.",
    )
    doi = models.CharField(
        max_length=200,
        blank=True,
        validators=[RegexValidator(r"^10\.\d{4,9}/\S+$", "A bare DOI, e.g. '10.1134/S1019331620060271'.")],
        help_text="Bare DOI without https://doi.org/.",
    )
    url = models.URLField(max_length=500, blank=True)
    language = models.CharField(max_length=20, default="en", help_text="BCP 47 code, e.g. 'en', 'zh-Hans'.")
    accessed = models.DateField(null=True, blank=True, help_text="When the URL was last read.")
    text_file = models.CharField(
        max_length=200,
        blank=True,
        validators=[text_file_name_validator],
        help_text="Name of the file the fixture loader read this source's text from (load_corpus --texts DIR), "
        "e.g. '002_303592e917e848d7.txt'. A bare file name, never a path: the site never reads it; "
        "the text itself is held by the corpus (Source text).",
    )
    unchecked_reason = VisibleTextField(
        max_length=UNCHECKED_REASON_MAX_LENGTH,
        blank=True,
        help_text="Why quotes of this source may be published although the corpus holds no text to check them "
        "against, e.g. 'print-only; checked by hand against the library copy'. Set by an editor; shown "
        "publicly with each such quote.",
    )
    notes = VisibleTextField(
        max_length=SOURCE_NOTE_MAX_LENGTH, blank=True, help_text="Curator notes on the source. Shown to the public."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Set when a curator edits the source in the admin; load_corpus then
    # refuses to overwrite it unasked (as for claims), and clears it.
    admin_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        ordering = ["-published", "title"]
        constraints = [
            models.CheckConstraint(
                name="source_date_has_precision",
                condition=Q(published__isnull=True, published_precision="")
                | (Q(published__isnull=False) & ~Q(published_precision="")),
                violation_error_message="A publication date needs its precision, and a precision needs a date.",
            ),
        ]
        indexes = [
            # Source lists sort by date; the facet and filter look sources up by kind.
            models.Index(fields=["kind", "published"], name="source_kind_published_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.refuse_key_change()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return detail_url("claims:source-detail", self.key)

    def refuse_key_change(self):
        """A source's key is how fixture files find it, and part of its claims'
        addresses: once it has published claims it never changes (a renamed
        key made the next load create every claim again)."""
        if self.pk is None:
            return
        old = Source.objects.filter(pk=self.pk).values_list("key", flat=True).first()
        if old is not None and old != self.key and Claim.objects.filter(source_id=self.pk).permanent().exists():
            raise ValidationError(
                {
                    "key": f"The key '{old}' cannot change: it is part of the permalink of every claim published "
                    "from this source (/claims/{old}/<claim key>/), and fixture files find the source by it."
                }
            )

    @property
    def published_display(self):
        return format_partial_date(self.published, self.published_precision) or "n.d."

    @property
    def year(self):
        return self.published.year if self.published else None

    def held_text(self):
        """The source's full text, ready to search (a quotes.SourceText), or None
        when the corpus holds none."""
        return FullText.searchable(self.pk)


class FullText(models.Model):
    """The full text of a source, held privately to verify quotes against.

    Never shown publicly: only quotes and their short context are. It gets
    here by upload or paste in the admin, or by load_corpus --texts DIR; a
    new text re-verifies every citation of its source (claims/ingest/sourcetexts.py).
    """

    class Origin(models.TextChoices):
        UPLOAD = "upload", "uploaded file"
        PASTE = "paste", "pasted in the admin"
        FIXTURE = "fixture", "load_corpus --texts"

    source = models.OneToOneField(Source, on_delete=models.CASCADE, primary_key=True, related_name="fulltext")
    text = models.TextField(help_text="The source's plain text, as extracted; quotes are verified against it.")
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the text (UTF-8).")
    origin = models.CharField(max_length=10, choices=Origin.choices)
    origin_name = models.CharField(
        max_length=255, blank=True, help_text="The uploaded file's name, or the fixture's text_file; blank if pasted."
    )
    page_map = models.JSONField(
        default=list,
        blank=True,
        help_text='Where each page starts in the text and its printed number: [[0, "779"], [5120, "780"], …]; '
        "empty for texts without pages.",
    )
    added_at = models.DateTimeField(default=timezone.now)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    # A replaced text is kept: the quotes checked against it can be checked again.
    history = HistoricalRecords()

    class Meta:
        verbose_name = "source text"

    def __str__(self):
        return f"text of {self.source_id} ({len(self.text):,} characters)"

    @staticmethod
    def digest(text):
        return hashlib.sha256(text.encode("utf-8")).hexdigest()

    @classmethod
    def searchable(cls, source_id):
        """The source's text ready to search, or None; read from the database
        only when this process has not normalised this very text already."""
        row = cls.objects.filter(source_id=source_id).values_list("sha256", "page_map").first()
        if row is None:
            return None
        key = (source_id, row[0], repr(row[1]))
        found = _searchable.get(key)
        if found is None:
            text = cls.objects.filter(source_id=source_id).values_list("text", flat=True).get()
            found = SourceText(text, page_map=row[1])
            _remember_searchable(key, found)
        return found

    def as_searchable(self):
        """This text ready to search (shared with searchable())."""
        key = (self.source_id, self.sha256, repr(self.page_map))
        found = _searchable.get(key)
        if found is None:
            found = SourceText(self.text, page_map=self.page_map)
            _remember_searchable(key, found)
        return found


# Normalising a long text for searching takes seconds (a 5M-character report:
# ~5 s): keep the last few per process, keyed by their SHA-256, so that saving
# a claim's citations one by one, or a review page, normalises each text once.
_searchable = {}
_SEARCHABLE_KEPT = 4
_searchable_lock = threading.Lock()


def _remember_searchable(key, searchable):
    with _searchable_lock:
        while len(_searchable) >= _SEARCHABLE_KEPT:
            _searchable.pop(next(iter(_searchable)))
        _searchable[key] = searchable


class Author(models.Model):
    """One author of a source, in order: a person or an organisation."""

    class Role(models.TextChoices):
        AUTHOR = "author", "author"
        EDITOR = "editor", "editor"
        INTERVIEWER = "interviewer", "interviewer"
        INTERVIEWEE = "interviewee", "interviewee"
        TRANSLATOR = "translator", "translator"

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="authors")
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in the byline, from 0.")
    family = VisibleCharField(max_length=200, blank=True, help_text="A person's family name, e.g. 'Sacks'.")
    given = VisibleCharField(max_length=200, blank=True, help_text="Given names or initials, e.g. 'I. V.'.")
    organisation = VisibleCharField(
        max_length=300, blank=True, help_text="For a corporate author instead of a person, e.g. 'FreedomLab'."
    )
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.AUTHOR)

    class Meta:
        ordering = ["source", "position"]
        constraints = [
            models.CheckConstraint(
                name="author_person_or_organisation",
                condition=(~Q(family="") & Q(organisation="")) | (Q(family="", given="") & ~Q(organisation="")),
                violation_error_message="An author is either a person (family name) or an organisation, not both.",
            ),
            models.UniqueConstraint(fields=["source", "position"], name="author_unique_position"),
        ]

    def __str__(self):
        if self.organisation:
            return self.organisation
        return f"{self.family}, {self.given}" if self.given else self.family


def _with_public_claims(facet, live):
    """A condition on companies or topics: the kept public counts list them
    (claims/scale/counts.py), or, until those counts are complete, `live`
    says so. Decided in SQL, so that building the queryset touches no table
    (EXISTS over all links took 660 ms at 1M claims; the kept counts are
    index lookups)."""
    complete = Exists(PublicCount.objects.filter(facet=PublicCount.Facet.TOTAL, value=""))
    kept = PublicCount.objects.filter(facet=facet).values_list(Cast("value", models.BigIntegerField()), flat=True)
    return (complete & Q(pk__in=kept)) | (~complete & live)


class CompanyQuerySet(models.QuerySet):
    def public(self):
        """Companies the public may see: those at least one public claim is
        about. Any other company (one only drafts name) has no page, no API
        entry, no row in a download and no place in the sitemap."""
        links = Claim.companies.through.objects.filter(company_id=OuterRef("pk"), claim__in=Claim.objects.public())
        return self.filter(_with_public_claims(PublicCount.Facet.COMPANY, Exists(links)))

    def with_public_parent(self):
        """With each company's parent, and whether it is public (read by
        Company.public_parent): a parent no public claim is about is not named."""
        public_parent = Q(parent__in=Company.objects.public().values("pk"))
        return self.select_related("parent").annotate(
            parent_is_public=models.ExpressionWrapper(public_parent, output_field=models.BooleanField())
        )


class Company(models.Model):
    name = VisibleCharField(max_length=200, help_text="Usual English name, e.g. 'Ant Financial'.")
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    aliases = models.JSONField(
        default=list,
        blank=True,
        help_text='Other names that mean this company, as a list: ["Ant Group", "蚂蚁集团"]. '
        "Search and the company filter match them.",
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="affiliates",
        help_text="Parent or affiliated group, e.g. Alibaba for Ant Financial.",
    )
    wikidata_id = models.CharField(
        max_length=20,
        blank=True,
        validators=[RegexValidator(r"^Q[1-9]\d*$", "A Wikidata item id, e.g. 'Q1359568'.")],
        help_text="Wikidata item id, e.g. 'Q1359568' for Alibaba Group.",
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{2}$", "An ISO 3166-1 alpha-2 code, e.g. 'CN'.")],
        help_text="ISO 3166-1 alpha-2 code of the headquarters, e.g. 'CN'.",
    )
    description = VisibleTextField(
        max_length=DESCRIPTION_MAX_LENGTH, blank=True, help_text="A sentence or two. Shown to the public."
    )

    objects = CompanyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            models.CheckConstraint(
                name="company_not_own_parent",
                condition=~Q(parent=models.F("pk")),
                violation_error_message="A company cannot be its own parent.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url("claims:company-detail", self.slug)

    def clean(self):
        if not isinstance(self.aliases, list) or not all(isinstance(a, str) and a.strip() for a in self.aliases):
            raise ValidationError({"aliases": "Aliases must be a list of non-empty names."})
        for alias in self.aliases:
            if len(alias) > ALIAS_MAX_LENGTH:
                raise ValidationError({"aliases": f"An alias is at most {ALIAS_MAX_LENGTH} characters."})
            if hidden := hidden_characters(alias):
                raise ValidationError(
                    {"aliases": f"The alias {alias!r} holds an invisible character: {describe(*hidden[0])}."}
                )
        ancestor, seen = self.parent, {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"parent": "Parents cannot form a cycle."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent

    @property
    def public_parent(self) -> "Company | None":
        """The parent, where the public may see it (read from a queryset's
        with_public_parent()); None otherwise."""
        return self.parent if getattr(self, "parent_is_public", False) else None

    @property
    def wikidata_url(self):
        return f"https://www.wikidata.org/wiki/{self.wikidata_id}" if self.wikidata_id else ""


class TopicQuerySet(models.QuerySet):
    def public(self):
        """Topics the public may see: those a public claim is filed under, or
        under one of their sub-topics (as every topic count rolls up,
        claims/topics.py). So the ancestors of a public topic are public, and
        the public topics form a tree of their own."""
        return self.filter(_with_public_claims(PublicCount.Facet.TOPIC, Q(pk__in=_topics_rolled_up_live())))


def _topics_rolled_up_live():
    """SQL for the ids of the topics of public claims and all their
    ancestors: a recursive query (PostgreSQL and SQLite alike), only read
    while the kept counts are incomplete."""
    links = Claim.topics.through.objects.filter(claim__in=Claim.objects.public()).values("topic_id")
    sql, params = links.query.sql_with_params()
    table = connection.ops.quote_name(Topic._meta.db_table)
    # UNION, not UNION ALL: it drops repeats, so a cycle written past clean() still ends.
    return RawSQL(
        f"WITH RECURSIVE up(id) AS ({sql} UNION SELECT t.parent_id FROM {table} t JOIN up ON t.id = up.id "
        "WHERE t.parent_id IS NOT NULL) SELECT id FROM up",
        params,
    )


class Topic(models.Model):
    name = VisibleCharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True, validators=[slug_validator])
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="Broader topic; the hierarchy is shallow (two or three levels).",
    )
    description = VisibleTextField(
        max_length=DESCRIPTION_MAX_LENGTH, blank=True, help_text="A sentence or two. Shown to the public."
    )

    objects = TopicQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                name="topic_not_own_parent",
                condition=~Q(parent=models.F("pk")),
                violation_error_message="A topic cannot be its own parent.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return detail_url("claims:topic-detail", self.slug)

    def clean(self):
        ancestor, seen = self.parent, {self.pk}
        while ancestor is not None:
            if ancestor.pk in seen:
                raise ValidationError({"parent": "Topics cannot form a cycle."})
            seen.add(ancestor.pk)
            ancestor = ancestor.parent


class ClaimQuerySet(models.QuerySet):
    def public(self):
        """What the public may see: published claims, nothing else."""
        return self.filter(status=Claim.Status.PUBLISHED)

    def permanent(self):
        """Claims whose permalinks must keep answering, so whose keys never
        change: published claims, and retracted ones (whose permalinks answer
        with the retraction notice)."""
        return self.filter(status__in=[Claim.Status.PUBLISHED, Claim.Status.RETRACTED])

    def for_export(self):
        """With everything a claim's fixture record, download row or API entry
        reads, in a fixed number of queries per chunk of claims."""
        return self.select_related("source").prefetch_related(
            models.Prefetch("companies", queryset=Company.objects.order_by("slug").only("slug", "name")),
            models.Prefetch("topics", queryset=Topic.objects.order_by("slug").only("slug", "name")),
            models.Prefetch("citations", queryset=Citation.objects.select_related("source").order_by("id")),
            models.Prefetch(
                "relations_from",
                queryset=ClaimRelation.objects.select_related("to_claim__source").order_by("id"),
            ),
        )

    def with_related(self):
        """With each claim's public relations, both ways, for Claim.related_claims:
        two queries for any number of claims, the other claim's source selected
        for its permalink."""
        public = ClaimRelation.objects.public().order_by("id")
        return self.prefetch_related(
            models.Prefetch(
                "relations_from", queryset=public.select_related("to_claim__source"), to_attr="public_relations_from"
            ),
            models.Prefetch(
                "relations_to", queryset=public.select_related("from_claim__source"), to_attr="public_relations_to"
            ),
        )


class Claim(models.Model):
    """One self-contained statement that a source makes."""

    class Kind(models.TextChoices):
        FIGURE = "figure", "figure"
        EVENT = "event", "event"
        ASSESSMENT = "assessment", "assessment"
        FORECAST = "forecast", "forecast"
        QUOTATION = "quotation", "quotation"

    class Status(models.TextChoices):
        DRAFT = "draft", "draft"
        REVIEW = "review", "in review"
        PUBLISHED = "published", "published"
        RETRACTED = "retracted", "retracted"

    class Scale(models.TextChoices):
        ONE = "one", "—"
        THOUSAND = "thousand", "thousand"
        MILLION = "million", "million"
        BILLION = "billion", "billion"
        TRILLION = "trillion", "trillion"

    class Qualifier(models.TextChoices):
        EXACT = "exact", "exactly"
        APPROX = "approx", "about"
        OVER = "over", "more than"
        UNDER = "under", "less than"
        RANGE = "range", "between"

    SCALE_FACTORS = {"one": 1, "thousand": 10**3, "million": 10**6, "billion": 10**9, "trillion": 10**12}

    source = models.ForeignKey(
        Source,
        on_delete=models.PROTECT,
        related_name="claims",
        help_text="The source this claim was curated from; its citations may add others.",
    )
    key = models.SlugField(
        max_length=100,
        validators=[slug_validator],
        help_text="Stable key within the source, e.g. 'alibaba-cloud-share-2019'; re-loads match on it.",
    )
    text = VisibleTextField(
        max_length=CLAIM_TEXT_MAX_LENGTH,
        help_text="One self-contained statement in the corpus's own words, naming the company, period and unit: "
        "'Alibaba's cloud revenue grew 40% year on year in Q1 2020.'",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    retraction_reason = VisibleTextField(
        max_length=REASON_MAX_LENGTH,
        blank=True,
        help_text="Why a retracted claim was withdrawn, in the editor's words; kept on record and shown on the "
        "claim's retraction notice (its permalink), e.g. 'The figure is the market's, not Alibaba's share'.",
    )
    companies = models.ManyToManyField(Company, related_name="claims", blank=True)
    topics = models.ManyToManyField(Topic, related_name="claims", blank=True)

    period_start = models.DateField(
        null=True, blank=True, help_text="First day of the period the claim is about ('2016' starts 2016-01-01)."
    )
    period_start_precision = models.CharField(max_length=10, choices=DatePrecision.choices, blank=True)
    period_end = models.DateField(
        null=True, blank=True, help_text="Last day of the period the claim is about ('2016' ends 2016-12-31)."
    )
    period_end_precision = models.CharField(max_length=10, choices=DatePrecision.choices, blank=True)

    value = models.DecimalField(
        max_digits=24,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="For figures: the number as stated, e.g. 12.2.",
    )
    value_max = models.DecimalField(
        max_digits=24, decimal_places=6, null=True, blank=True, help_text="Upper bound when the figure is a range."
    )
    value_qualifier = models.CharField(max_length=10, choices=Qualifier.choices, blank=True)
    unit = VisibleCharField(
        max_length=40, blank=True, help_text="ISO 4217 currency ('USD', 'CNY') or a unit ('percent', 'users')."
    )
    scale = models.CharField(
        max_length=10, choices=Scale.choices, blank=True, help_text="12.2 billion: scale 'billion'."
    )
    metric = VisibleCharField(
        max_length=200,
        blank=True,
        help_text="Label shared by comparable figures across sources, e.g. 'China mobile-payment market size'.",
    )
    speaker = VisibleCharField(max_length=200, blank=True, help_text="For quotations: who said it.")
    notes = VisibleTextField(
        max_length=NOTE_MAX_LENGTH,
        blank=True,
        help_text="Curator notes: conflicts, conversions, doubts. Shown to the public.",
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    retracted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
        help_text="The editor who retracted the claim (Claim.retract()).",
    )
    retracted_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="When the claim was retracted; shown on its retraction notice. Empty for claims retracted "
        "before it was recorded, whose notice takes the date from the claim's history.",
    )
    review_note = VisibleTextField(
        max_length=REASON_MAX_LENGTH,
        blank=True,
        editable=False,
        help_text="The editor's note when the claim was sent back for changes: shown to its curator until it is "
        "submitted again, and kept in the claim's history.",
    )
    accepted_checks = models.JSONField(
        default=dict,
        blank=True,
        help_text="Editorial checks this claim passes by a person's decision (claims/editorial/): "
        '{check id: why}, e.g. {"quote-stands-alone": "the table row names the company"}.',
    )

    # Provenance: the fixture load that created or last changed the claim, or
    # blank when it was made in the admin. admin_changed_at tells the loader
    # that a curator edited the claim after that load (see docs/fixtures.md).
    loaded_from = models.CharField(max_length=300, blank=True, editable=False, help_text="Fixture file name.")
    loaded_sha256 = models.CharField(max_length=64, blank=True, editable=False, help_text="SHA-256 of that file.")
    loaded_at = models.DateTimeField(null=True, blank=True, editable=False)
    record_sha256 = models.CharField(
        max_length=64, blank=True, editable=False, help_text="SHA-256 of the claim's own record as last loaded."
    )
    admin_changed_at = models.DateTimeField(null=True, blank=True, editable=False)

    # Copies of the companies and topics links in the row, kept equal to the
    # link tables by database triggers (migration 0005): the public lists
    # filter a million claims by company and topic without a probe per row.
    company_ids = IdArrayField(help_text="Ids of the claim's companies; maintained by the database.")
    topic_ids = IdArrayField(help_text="Ids of the claim's topics; maintained by the database.")

    history = HistoricalRecords(
        m2m_fields=[companies, topics], excluded_fields=["updated_at", "company_ids", "topic_ids"]
    )
    objects = ClaimQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "source", "key"]
        permissions = [
            ("submit_claim", "Can submit a claim for review"),
            ("publish_claim", "Can publish a claim"),
            ("retract_claim", "Can retract a claim"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["source", "key"], name="claim_unique_key_per_source"),
            models.CheckConstraint(
                name="claim_figure_has_value_and_unit",
                condition=~Q(kind="figure") | (Q(value__isnull=False) & ~Q(unit="")),
                violation_error_message="A figure needs a value and a unit.",
            ),
            models.CheckConstraint(
                name="claim_quotation_has_speaker",
                condition=~Q(kind="quotation") | ~Q(speaker=""),
                violation_error_message="A quotation needs its speaker.",
            ),
            models.CheckConstraint(
                name="claim_retraction_has_reason",
                condition=~Q(status="retracted") | ~Q(retraction_reason=""),
                violation_error_message="A retracted claim needs the reason it was retracted.",
            ),
            models.CheckConstraint(
                name="claim_period_ordered",
                condition=Q(period_start__isnull=True, period_end__isnull=True)
                | Q(period_start__isnull=False, period_end__isnull=False, period_start__lte=models.F("period_end")),
                violation_error_message="A period needs a start and an end, and must not end before it starts.",
            ),
            models.CheckConstraint(
                name="claim_range_ordered",
                condition=Q(value_max__isnull=True) | Q(value__lte=models.F("value_max")),
                violation_error_message="The upper bound of a range must not be below its lower bound.",
            ),
        ]
        indexes = [
            # The public list: published claims, newest period first.
            models.Index(fields=["status", "-period_start"], name="claim_status_period_idx"),
            # "What other sources say" and the disagreements view group by metric.
            models.Index(fields=["metric", "status"], name="claim_metric_status_idx", condition=~Q(metric="")),
        ]

    def __str__(self):
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"

    def save(self, *args, **kwargs):
        self.refuse_address_change()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The permalink, /claims/<source key>/<claim key>/: made of the natural
        keys, so the same after an export and a load into an empty database.
        Lists select the source (select_related) so that it costs no query."""
        return detail_url("claims:claim-detail", self.source.key, self.key)

    def get_cite_url(self, format):
        """The claim as a citation record (format: bib, ris or csl.json), under its permalink."""
        return reverse("claims:claim-cite", args=[self.source.key, self.key, format])

    def address_errors(self):
        """{field: message} when a published or retracted claim's key or source
        would change: both are its permalink, which citations elsewhere point at."""
        if self.pk is None:
            return {}
        old = Claim.objects.permanent().filter(pk=self.pk).values_list("source_id", "key").first()
        if old is None:
            return {}
        errors = {}
        if old[0] != self.source_id:
            errors["source"] = (
                "The source of a published or retracted claim cannot change: it is part of the claim's permalink. "
                "Retract this claim and add a new one under the other source."
            )
        if old[1] != self.key:
            errors["key"] = (
                f"The key '{old[1]}' cannot change: the claim has been published, and its permalink "
                f"(/claims/<source key>/{old[1]}/) is made of it."
            )
        return errors

    def refuse_address_change(self):
        if errors := self.address_errors():
            raise ValidationError(errors)

    @property
    def related_claims(self):
        """[RelatedClaim] for each public relation of this claim, each pair
        once, in the order they were made, read from this claim's side. Read
        from ClaimQuerySet.with_related() when prefetched, else two queries."""
        outgoing = getattr(self, "public_relations_from", None)
        if outgoing is None:
            outgoing = ClaimRelation.objects.public().filter(from_claim=self).select_related("to_claim__source")
        incoming = getattr(self, "public_relations_to", None)
        if incoming is None:
            incoming = ClaimRelation.objects.public().filter(to_claim=self).select_related("from_claim__source")
        related = [RelatedClaim(r, r.to_claim, outgoing=True) for r in outgoing]
        related += [RelatedClaim(r, r.from_claim, outgoing=False) for r in incoming]
        return sorted(related, key=lambda each: each.relation.pk)

    @property
    def metric_url(self):
        """The page of the figure's metric, with its chart; "" for a claim
        that is not a figure with a metric."""
        if self.kind != self.Kind.FIGURE or not self.metric:
            return ""
        return metric_url(self.metric)

    # -- reading ---------------------------------------------------------

    @property
    def period_display(self):
        start = format_partial_date(self.period_start, self.period_start_precision)
        end = format_partial_date(self.period_end, self.period_end_precision)
        return start if start == end else f"{start}–{end}"

    @property
    def period_code(self):
        """The period in the fixture format: '2016', '2020-Q1', '1991/2016'."""
        start = format_partial_date(self.period_start, self.period_start_precision)
        end = format_partial_date(self.period_end, self.period_end_precision)
        return start if start == end else f"{start}/{end}"

    @property
    def value_base(self):
        """The stated value times its scale (value 1.48, scale 'billion': 1480000000)."""
        return in_base_units(self.value, self.scale)

    @property
    def value_max_base(self):
        """The upper bound of a range times its scale."""
        return in_base_units(self.value_max, self.scale)

    @property
    def value_display(self):
        if self.value is None:
            return ""

        def number(d):
            d = d.normalize() if isinstance(d, Decimal) else d
            return f"{d:,f}" if isinstance(d, Decimal) else str(d)

        scale = "" if self.scale in ("", "one") else f" {self.scale}"
        amount = f"{number(self.value)}"
        if self.value_max is not None:
            amount += f"–{number(self.value_max)}"
        qualifier = {"approx": "about ", "over": "more than ", "under": "less than "}.get(self.value_qualifier, "")
        return f"{qualifier}{amount}{scale} {self.unit}".strip()

    # -- rules -----------------------------------------------------------

    def set_period(self, code):
        """Set the period from the fixture form: '2016', '2020-Q1', '1991/2016'."""
        self.period_start, self.period_start_precision, self.period_end, self.period_end_precision = parse_period(code)

    def value_errors(self):
        """What is wrong with the value fields for the claim's kind."""
        errors = {}
        if self.kind == self.Kind.FIGURE:
            if self.value is None:
                errors["value"] = "A figure needs a value."
            if not self.unit:
                errors["unit"] = "A figure needs a unit, e.g. 'USD' or 'percent'."
        elif self.kind == self.Kind.FORECAST:
            # A forecast may give the number it predicts, sharing the metric of
            # the figure that later resolves it.
            if self.value is not None and not self.unit:
                errors["unit"] = "A forecast with a value needs its unit, e.g. 'USD' or 'percent'."
        else:
            for field in ("value", "value_max"):
                if getattr(self, field) is not None:
                    errors[field] = "Only figures and forecasts carry a value."
        return errors

    def clean(self):
        errors = self.value_errors()
        if self.value_max is not None and self.value is not None and self.value_max < self.value:
            errors["value_max"] = "The upper bound of a range must not be below its lower bound."
        if self.kind == self.Kind.QUOTATION and not self.speaker:
            errors["speaker"] = "A quotation needs its speaker."
        if self.status == self.Status.RETRACTED and not self.retraction_reason.strip():
            errors["retraction_reason"] = "Say why the claim is retracted."
        errors.update(self.address_errors())
        if (self.period_start is None) != (self.period_end is None):
            errors["period_end"] = "A period needs both a start and an end."
        elif self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = "The period must not end before it starts."
        if errors:
            raise ValidationError(errors)

    @staticmethod
    def _check_reason(text, name):
        """A reason or note given to a workflow step: the limits of a field."""
        if len(text.strip()) > REASON_MAX_LENGTH:
            raise ValidationError(f"The {name} is at most {REASON_MAX_LENGTH} characters.")
        if hidden := hidden_characters(text):
            raise ValidationError(f"The {name} holds an invisible character: {describe(*hidden[0])}.")

    def has_citations(self):
        # Always the database, never a prefetched list: the admin saves a
        # formset (deleting citations) between fetching a claim and publishing it.
        return self.pk is not None and Citation.objects.filter(claim_id=self.pk).exists()

    # -- workflow ----------------------------------------------------------
    # Transitions are methods so that the admin, the loader and tests share one
    # definition of who may do what; permissions are checked by the caller's
    # user object, never by the form.

    def submit(self, user):
        if self.status != self.Status.DRAFT:
            raise ValidationError(
                f"Only drafts can be submitted for review; this claim is {self.get_status_display()}."
            )
        self.status = self.Status.REVIEW
        self.submitted_by, self.submitted_at = user, timezone.now()
        self.review_note = ""  # answered: the note stays in the claim's history

    def send_back(self, user, note):
        """Back to draft with the editor's note, for the curator who submitted it."""
        if not user.has_perm("claims.publish_claim"):
            raise PermissionError("Only editors can send claims back.")
        if self.status != self.Status.REVIEW:
            raise ValidationError(f"Only claims in review can be sent back; this one is {self.get_status_display()}.")
        if not note or not note.strip():
            raise ValidationError("Say what the curator should change before the claim can be published.")
        self._check_reason(note, "note")
        self.status = self.Status.DRAFT
        self.review_note = note.strip()
        self.reviewed_by, self.reviewed_at = user, timezone.now()

    def publish(self, user):
        if not user.has_perm("claims.publish_claim"):
            raise PermissionError("Only editors can publish claims.")
        if self.status not in (self.Status.DRAFT, self.Status.REVIEW):
            raise ValidationError(
                f"Only drafts and claims in review can be published; this one is {self.get_status_display()}."
            )
        if not self.has_citations():
            raise ValidationError("A published claim needs at least one citation.")
        blocked = [
            f"quote {i} ({citation.source.key}, {citation.locator or 'no locator'}): {citation.blocking_reason}"
            for i, citation in enumerate(self.citations.select_related("source").order_by("id"), start=1)
            if not citation.is_publishable
        ]
        if blocked:
            raise ValidationError(
                "Every quote must be checked against its source before the claim is published: "
                + "; ".join(blocked)
                + "."
            )
        now = timezone.now()
        self.status = self.Status.PUBLISHED
        self.review_note = ""  # a note sent back with it is answered; history keeps it
        self.reviewed_by, self.reviewed_at = user, now
        self.published_by, self.published_at = user, now

    def retract(self, user, reason):
        if not user.has_perm("claims.retract_claim"):
            raise PermissionError("Only editors can retract claims.")
        if self.status != self.Status.PUBLISHED:
            raise ValidationError("Only published claims can be retracted.")
        if not reason or not reason.strip():
            raise ValidationError("Say why the claim is retracted.")
        self._check_reason(reason, "retraction reason")
        self.status = self.Status.RETRACTED
        self.retraction_reason = reason.strip()
        self.retracted_by, self.retracted_at = user, timezone.now()


class CitationQuerySet(models.QuerySet):
    """Bulk writes obey the same lock as Citation.save(): the evidence of a
    claim past draft changes only through the workflow (claims/evidence.py)."""

    def update(self, **kwargs):
        if evidence.current_authority() not in (evidence.LOADER, evidence.REVERIFY):
            target = kwargs.get("claim", kwargs.get("claim_id"))
            target_id = getattr(target, "pk", target)
            if self.exclude(claim__status=Claim.Status.DRAFT).exists() or (
                target_id is not None and Claim.objects.filter(pk=target_id).exclude(status=Claim.Status.DRAFT).exists()
            ):
                raise evidence.EvidenceLocked(evidence.LOCKED_MESSAGE)
        return super().update(**kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        if evidence.current_authority() not in (evidence.LOADER, evidence.REVERIFY):
            claim_ids = {obj.claim_id for obj in objs}
            if Claim.objects.filter(pk__in=claim_ids).exclude(status=Claim.Status.DRAFT).exists():
                raise evidence.EvidenceLocked(evidence.LOCKED_MESSAGE)
        return super().bulk_create(objs, *args, **kwargs)


class Citation(models.Model):
    """Evidence for a claim: the verbatim words of a source, and where they are.

    Every save verifies the quote against its source's text (quotes.py), so
    the stored verification always describes the quote as it is; and every
    save or delete of a citation whose claim is past draft is refused unless
    the workflow allows it (claims/evidence.py).
    """

    class Verification(models.TextChoices):
        EXACT = evidence.EXACT, "exact"
        NORMALISED = evidence.NORMALISED, "matched after normalisation"
        FUZZY = evidence.FUZZY, "fuzzy match"
        NOT_FOUND = evidence.NOT_FOUND, "not found"
        NO_TEXT = evidence.NO_TEXT, "no source text"

    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    # Its length limit is QUOTE_MAX_LENGTH, checked in clean() and by a constraint.
    quote = VisibleTextField(
        help_text="Verbatim words of the source that support the claim: a sentence or clause, "
        f"at most {QUOTE_MAX_LENGTH} characters."
    )
    locator = VisibleCharField(
        max_length=100,
        help_text="Where in the source: 'p. 781' if paginated, else 'section: Alibaba' or 'para. 4'. "
        "Filled in from the source text's page map when left blank.",
    )
    position = models.PositiveIntegerField(
        null=True, blank=True, help_text="Character offset of the quote in the source text, when verified."
    )
    prefix = models.CharField(max_length=64, blank=True, help_text="About 32 characters of text before the quote.")
    suffix = models.CharField(max_length=64, blank=True, help_text="About 32 characters of text after the quote.")
    page = models.CharField(
        max_length=20,
        blank=True,
        help_text="Printed page the quote was found on, from the source text's page map; blank without one.",
    )
    verification = models.CharField(max_length=12, choices=Verification.choices, default=Verification.NO_TEXT)
    verification_score = models.FloatField(null=True, blank=True, help_text="Similarity 0–100 for fuzzy matches.")
    verified_at = models.DateTimeField(null=True, blank=True)
    unchecked_reason = VisibleTextField(
        max_length=UNCHECKED_REASON_MAX_LENGTH,
        blank=True,
        help_text="Only where the corpus holds no text of the source: why the quote may be published unchecked, "
        "e.g. 'print-only; checked by hand against the library copy'. Set by an editor; shown publicly.",
    )

    history = HistoricalRecords()
    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["claim", "id"]
        constraints = [
            # "The same citation" is the same words of the same source for the same claim.
            models.UniqueConstraint(fields=["claim", "source", "quote"], name="citation_unique_quote"),
            models.CheckConstraint(
                name="citation_quote_length",
                condition=Q(LessThanOrEqual(Length("quote"), QUOTE_MAX_LENGTH)) & Q(GreaterThan(Length("quote"), 0)),
                violation_error_message=f"A quote is at most {QUOTE_MAX_LENGTH} characters.",
            ),
            models.CheckConstraint(
                name="citation_fuzzy_has_score",
                condition=~Q(verification="fuzzy") | Q(verification_score__isnull=False),
                violation_error_message="A fuzzy match records its score.",
            ),
        ]
        indexes = [
            # Source pages and the source facet count citations per source.
            models.Index(fields=["source", "claim"], name="citation_source_claim_idx"),
        ]

    def __str__(self):
        return f"{self.source.key}, {self.locator}"

    def save(self, *args, **kwargs):
        self.verify(FullText.searchable(self.source_id))
        self.guard_change()
        super().save(*args, **kwargs)

    def verify(self, source_text):
        """Locate the quote in its source's text (a SourceText, or None when
        the corpus holds none) and record where, with its context and page."""
        match = source_text.find(self.quote) if source_text is not None else None
        for name, value in verification_fields(match, timezone.now()).items():
            setattr(self, name, value)
        if match is None and not self.unchecked_reason.strip() and self.source_id is not None:
            # An editor's reason for the whole source (Source.unchecked_reason) covers each of its quotes.
            self.unchecked_reason = (
                Source.objects.filter(pk=self.source_id).values_list("unchecked_reason", flat=True).first() or ""
            )
        # A blank locator follows from the page map: the quote's page, or for a
        # near miss (a typo) the page of the passage it resembles.
        page = self.page or (match.page if match is not None and match.status == evidence.FUZZY else "")
        if not self.locator.strip() and page:
            self.locator = evidence.page_locator(page)
        return match

    @property
    def is_publishable(self):
        return evidence.publishable(self.verification, self.unchecked_reason)

    @property
    def blocking_reason(self):
        return evidence.blocking_reason(self.verification, self.verification_score, self.unchecked_reason)

    @property
    def public_label(self):
        return evidence.public_label(self.verification, self.unchecked_reason)

    @property
    def page_disagrees(self):
        """The locator names a page other than the one the page map puts the quote on."""
        named = evidence.locator_page(self.locator)
        return bool(self.page and named and named != self.page)

    def guard_change(self):
        """Refuse this save if it changes the evidence of a claim past draft
        outside the workflow: see claims/evidence.py."""
        before = Citation.objects.filter(pk=self.pk).values_list("claim_id", flat=True).first() if self.pk else None
        affected = {self.claim_id, before} - {None}
        locked = dict(
            Claim.objects.filter(pk__in=affected).exclude(status=Claim.Status.DRAFT).values_list("pk", "status")
        )
        if not locked:
            return
        authority = evidence.current_authority()
        if authority is None:
            raise evidence.EvidenceLocked(evidence.LOCKED_MESSAGE)
        if authority in (evidence.LOADER, evidence.REVERIFY):
            return
        if self.claim_id in locked and not self.is_publishable:
            raise evidence.EvidenceLocked(
                f"A claim past draft keeps only checked evidence, and this quote is not: {self.blocking_reason}."
            )
        if before in locked and before != self.claim_id:
            raise evidence.EvidenceLocked("A citation cannot be moved away from a claim past draft.")

    def clean(self):
        if self.quote and len(self.quote) > QUOTE_MAX_LENGTH:
            raise ValidationError(
                {
                    "quote": f"A quote is at most {QUOTE_MAX_LENGTH} characters (this one has {len(self.quote)}): "
                    "cite a sentence or clause."
                }
            )
        if self.quote and not self.quote.strip():
            raise ValidationError({"quote": "A quote cannot be blank."})
        if self.quote and len(QUOTE_WORD.findall(self.quote)) < QUOTE_MIN_WORDS:
            raise ValidationError(
                {"quote": f"A quote is at least {QUOTE_MIN_WORDS} words of the source: one word proves nothing."}
            )


class RelationQuerySet(models.QuerySet):
    def public(self):
        """What the public may see of relations: those between two public claims,
        never one that would point at a draft or a retracted claim."""
        public = Claim.objects.public()
        return self.filter(from_claim__in=public, to_claim__in=public)


class ClaimRelation(models.Model):
    """How one claim bears on another: a later figure updates an earlier one,
    an outcome resolves a forecast, two sources contradict each other."""

    class Type(models.TextChoices):
        CONTRADICTS = "contradicts", "contradicts"
        SUPPORTS = "supports", "supports"
        UPDATES = "updates", "updates"
        RESOLVES = "resolves", "resolves"

    # How the relation reads from each of its claims: (the claim it starts
    # from, the claim it points to). "A contradicts B" says B contradicts A.
    PHRASES = {
        Type.CONTRADICTS: ("contradicts", "contradicts"),
        Type.SUPPORTS: ("supports", "is supported by"),
        Type.UPDATES: ("updates", "is updated by"),
        Type.RESOLVES: ("resolves", "is resolved by"),
    }

    from_claim = models.ForeignKey(
        Claim,
        on_delete=models.CASCADE,
        related_name="relations_from",
        help_text="The claim the relation starts from: the later figure that updates, the outcome that resolves.",
    )
    to_claim = models.ForeignKey(
        Claim,
        on_delete=models.CASCADE,
        related_name="relations_to",
        help_text="The claim it bears on: the earlier figure updated, the forecast resolved.",
    )
    type = models.CharField(max_length=12, choices=Type.choices)
    note = VisibleTextField(
        max_length=RELATION_NOTE_MAX_LENGTH,
        blank=True,
        help_text="Why the two are related, shown to the public with the pair.",
    )

    objects = RelationQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_claim", "to_claim", "type"], name="relation_unique"),
            models.CheckConstraint(
                name="relation_not_to_itself",
                condition=~Q(from_claim=models.F("to_claim")),
                violation_error_message="A claim cannot relate to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.from_claim_id} {self.type} {self.to_claim_id}"


class RelatedClaim:
    """One relation seen from one of its claims: the other claim, and how the
    relation reads from this side ("is updated by")."""

    def __init__(self, relation, other, outgoing):
        self.relation, self.other, self.outgoing = relation, other, outgoing

    @property
    def type(self):
        return self.relation.type

    @property
    def note(self):
        return self.relation.note

    @property
    def direction(self):
        """'outgoing' when this claim is the relation's from_claim, else 'incoming'."""
        return "outgoing" if self.outgoing else "incoming"

    @property
    def phrase(self):
        return ClaimRelation.PHRASES[self.relation.type][0 if self.outgoing else 1]


def _deleting_claims(origin):
    """Is this delete the deletion of claims (whose citations go with them)?"""
    return isinstance(origin, Claim) or (isinstance(origin, models.QuerySet) and origin.model is Claim)


def _guard_citation_delete(sender, instance, origin=None, **kwargs):
    # Deletes bypass Citation.save(): the same lock, for Model.delete(),
    # QuerySet.delete() and the admin's bulk delete alike.
    if _deleting_claims(origin) or evidence.current_authority() in (evidence.LOADER, evidence.REVERIFY):
        return
    past_draft = Claim.objects.filter(pk=instance.claim_id).exclude(status=Claim.Status.DRAFT)
    if evidence.current_authority() is None and past_draft.exists():
        raise evidence.EvidenceLocked(evidence.LOCKED_MESSAGE)


def _keep_published_evidence(sender, instance, origin=None, **kwargs):
    # After the rows are gone (still inside the delete's transaction): no
    # path leaves a published claim with no citation. The loader rewrites a
    # claim's citations in one transaction and checks them itself.
    if _deleting_claims(origin) or evidence.current_authority() == evidence.LOADER:
        return
    claim = Claim.objects.filter(pk=instance.claim_id, status=Claim.Status.PUBLISHED)
    if claim.exists() and not Citation.objects.filter(claim_id=instance.claim_id).exists():
        raise evidence.EvidenceLocked("A published claim keeps at least one citation.")


models.signals.pre_delete.connect(_guard_citation_delete, sender=Citation, dispatch_uid="evidence-lock-delete")
models.signals.post_delete.connect(_keep_published_evidence, sender=Citation, dispatch_uid="evidence-keep-one")


def sources_with_public_claims():
    """Sources that at least one public claim comes from or cites."""
    return Source.objects.filter(
        Exists(Claim.objects.public().filter(source=OuterRef("pk")))
        | Exists(Claim.objects.public().filter(citations__source=OuterRef("pk")))
    )


class PublicCount(models.Model):
    """How many published claims each company, topic (sub-topics included),
    source, kind and year has: the counts beside the unfiltered lists.

    Counting a million claims takes seconds, longer than a page may; these
    rows are kept exact instead, in the transaction of every change
    (claims/scale/counts.py). The row (total, "") says the table is complete;
    without it readers count live.
    """

    class Facet(models.TextChoices):
        TOTAL = "total", "all published claims"
        COMPANY = "company", "company"
        TOPIC = "topic", "topic"
        SOURCE = "source", "source"
        KIND = "kind", "kind"
        YEAR = "year", "year"

    facet = models.CharField(max_length=10, choices=Facet.choices)
    value = models.CharField(
        max_length=40, blank=True, help_text="Company, topic or source id, claim kind or year, as text."
    )
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["facet", "value"], name="public_count_unique_value")]
        indexes = [
            # A facet's values, most claims first.
            models.Index(fields=["facet", "-count"], name="public_count_facet_count_idx"),
        ]

    def __str__(self):
        return f"{self.facet} {self.value}: {self.count}"
