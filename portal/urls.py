"""The farmer's portal, mounted at /me/: each page of a household carries its id, and any other id gives 404."""

from django.urls import path

from portal import views

app_name = "portal"

urlpatterns = [
    path("", views.home, name="home"),
    path("news/<int:run_pk>/<slug:status>/read/", views.news_read, name="news-read"),
    path("households/<int:household_pk>/", views.household_detail, name="household"),
    path("households/<int:household_pk>/land/", views.land_detail, name="land"),
    path("households/<int:household_pk>/payouts/", views.payouts, name="payouts"),
    path("households/<int:household_pk>/notice/", views.notice, name="notice"),
    path(
        "households/<int:household_pk>/notice/<int:run_pk>/objection/",
        views.objection_create,
        name="objection-create",
    ),
    path("households/<int:household_pk>/statements/", views.statements, name="statements"),
    path("households/<int:household_pk>/statements/<int:year>.pdf", views.statement_pdf, name="statement-pdf"),
]
