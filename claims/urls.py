from django.urls import path

from . import views

app_name = "claims"

urlpatterns = [
    path("", views.ClaimListView.as_view(), name="claim-list"),
    path("claims/<int:pk>/", views.ClaimDetailView.as_view(), name="claim-detail"),
    path("sources/", views.SourceListView.as_view(), name="source-list"),
    path("sources/<slug:key>/", views.SourceDetailView.as_view(), name="source-detail"),
    path("companies/", views.CompanyListView.as_view(), name="company-list"),
    path("companies/<slug:slug>/", views.CompanyDetailView.as_view(), name="company-detail"),
    path("topics/", views.TopicListView.as_view(), name="topic-list"),
    path("topics/<slug:slug>/", views.TopicDetailView.as_view(), name="topic-detail"),
    path("coverage/", views.CoverageView.as_view(), name="coverage"),
    path("disagreements/", views.DisagreementsView.as_view(), name="disagreements"),
]
