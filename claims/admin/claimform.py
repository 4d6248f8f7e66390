"""The claim form as a curator fills it in: the period typed once in the
fixture notation, figures without trailing zeros, the metric picked from
the ones the corpus has, and a warning when a label or unit strays from
them (a typo would silently start a new metric)."""

from collections import defaultdict
from decimal import Decimal

from django import forms
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html
from rapidfuzz import fuzz, process

from claims.editorial import CHECKS
from claims.models import Claim, parse_period
from claims.scale import cache

# A label at least this similar to an existing one is probably meant to be it.
NEAR_METRIC_SCORE = 85
# Metrics offered as suggestions, most figures first.
SUGGESTED_METRICS = 2000


def guide_link(anchor, text="the curation guide"):
    return format_html('<a href="{}#{}">{}</a>', reverse("admin:claims_guide"), anchor, text)


class PlainDecimalField(forms.DecimalField):
    """Shows 100 and 12.5, not 100.000000 and 12.500000."""

    def prepare_value(self, value):
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        return value


class ClaimAdminForm(forms.ModelForm):
    # The autocomplete boxes render only their chosen option, which a browser
    # cannot validate as `required`; the server checks every field, and the
    # page lists every error at its top.
    use_required_attribute = False

    period = forms.CharField(
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"size": 20, "placeholder": "2020-Q1"}),
    )

    class Meta:
        model = Claim
        # The period's four columns are typed once, as `period`.
        fields = [
            "source",
            "key",
            "text",
            "kind",
            "companies",
            "topics",
            "value",
            "value_max",
            "value_qualifier",
            "unit",
            "scale",
            "metric",
            "speaker",
            "notes",
            "accepted_checks",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].help_text = format_html(
            "When the claim is about, as the source gives it: 2020, 2020-Q1, 2019-03, 2018-12-19, or an interval "
            "2016/2019. Blank when the source gives no time. See {}.",
            guide_link("periods"),
        )
        if "accepted_checks" in self.fields:
            # Its default is a callable (dict), so Django would add a hidden copy
            # of the initial value, with the help text's aria-describedby: invalid HTML.
            self.fields["accepted_checks"].show_hidden_initial = False
            self.fields["accepted_checks"].widget.attrs.update({"rows": 2, "cols": 80})
        if not self.is_bound and self.instance.period_start is not None:
            self.initial.setdefault("period", self.instance.period_code)
        if "metric" in self.fields:
            self.fields["metric"].widget.attrs.update({"list": "metric-suggestions", "autocomplete": "off"})
            self.fields["metric"].help_text = format_html(
                "Pick an existing metric where one fits; a new one is <em>scope + quantity</em>, e.g. "
                "“Ant Financial valuation”. See {}.",
                guide_link("choosing-a-metric-label"),
            )

    def clean_accepted_checks(self):
        accepted = self.cleaned_data.get("accepted_checks") or {}
        if not isinstance(accepted, dict):
            raise forms.ValidationError('Write {"check-id": "why it stands"}, e.g. {"quote-stands-alone": "…"}.')
        for check, reason in accepted.items():
            if check not in CHECKS:
                raise forms.ValidationError(f"No check is called “{check}”; the checks are: {', '.join(CHECKS)}.")
            if not isinstance(reason, str) or not reason.strip():
                raise forms.ValidationError(f"Say why “{check}” is accepted: the report lists the reason.")
        return accepted

    def clean_period(self):
        try:
            return parse_period(self.cleaned_data["period"])
        except ValueError as error:
            raise forms.ValidationError(f"{error}. Write it as 2020, 2020-Q1, 2019-03, 2018-12-19 or 2016/2019.")

    def clean(self):
        cleaned = super().clean()
        period = cleaned.get("period")
        if period is not None:  # None: the period itself was refused
            (
                self.instance.period_start,
                self.instance.period_start_precision,
                self.instance.period_end,
                self.instance.period_end_precision,
            ) = period
        return cleaned


def metric_suggestions():
    """[(metric, figures, [units])] of every metric, most figures first:
    counted once per version of the corpus (a GROUP BY over every claim)."""

    def compute():
        rows = (
            Claim.objects.exclude(metric="")
            .filter(kind=Claim.Kind.FIGURE)
            .values_list("metric", "unit")
            .annotate(n=Count("*"))
            .order_by()
        )
        figures, units = defaultdict(int), defaultdict(list)
        for metric, unit, n in rows:
            figures[metric] += n
            units[metric].append(unit)
        ranked = sorted(figures, key=lambda metric: (-figures[metric], metric))[:SUGGESTED_METRICS]
        return [(metric, figures[metric], sorted(units[metric])) for metric in ranked]

    return cache.for_corpus(("metric-suggestions",), compute)


def metric_warnings(claim, suggestions):
    """What a curator should look at again about a figure's metric: a new
    label close to an existing one, or a unit the metric's figures do not use."""
    if claim.kind != Claim.Kind.FIGURE or not claim.metric:
        return []
    known = {metric: (n, units) for metric, n, units in suggestions}
    if claim.metric in known:
        n, units = known[claim.metric]
        others = [unit for unit in units if unit != claim.unit]
        if claim.unit not in units and others:
            return [
                f"The other figures of “{claim.metric}” are in {', '.join(others)}; this one is in {claim.unit}. "
                "Is it the same metric?"
            ]
        return []
    near = process.extractOne(claim.metric, list(known), scorer=fuzz.WRatio, score_cutoff=NEAR_METRIC_SCORE)
    if near is None:
        return []
    label = near[0]
    return [
        f"“{claim.metric}” is a new metric; did you mean “{label}” ({known[label][0]} figures)? "
        "A new label starts a new metric on the public site."
    ]
