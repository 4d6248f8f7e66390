"""Public, read-only pages. Every queryset starts from Claim.objects.public()."""

from django.shortcuts import get_object_or_404
from django.views.generic import DetailView, ListView

from .models import Claim, Company, Topic, sources_with_public_claims


class ClaimListView(ListView):
    template_name = "claims/claim_list.html"
    paginate_by = 50

    def get_queryset(self):
        return Claim.objects.public().select_related("source").prefetch_related("companies", "topics")


class ClaimDetailView(DetailView):
    template_name = "claims/claim_detail.html"

    def get_queryset(self):
        return (
            Claim.objects.public().select_related("source").prefetch_related("companies", "topics", "citations__source")
        )


class SourceListView(ListView):
    template_name = "claims/source_list.html"
    paginate_by = 50

    def get_queryset(self):
        return sources_with_public_claims()


class SourceDetailView(DetailView):
    template_name = "claims/source_detail.html"
    slug_field = slug_url_kwarg = "key"

    def get_object(self, queryset=None):
        return get_object_or_404(sources_with_public_claims(), key=self.kwargs["key"])


class CompanyListView(ListView):
    template_name = "claims/company_list.html"
    model = Company


class CompanyDetailView(DetailView):
    template_name = "claims/company_detail.html"
    model = Company


class TopicListView(ListView):
    template_name = "claims/topic_list.html"
    model = Topic


class TopicDetailView(DetailView):
    template_name = "claims/topic_detail.html"
    model = Topic
