"""The farmer's portal, mounted at /me/: each page of a household carries its id, and any other id gives 404."""

from django.urls import path

from collective import portal

app_name = "portal"

urlpatterns = [
    path("", portal.home, name="home"),
    path("news/<int:run_pk>/<slug:status>/read/", portal.news_read, name="news-read"),
    path("households/<int:household_pk>/", portal.household_detail, name="household"),
    path("households/<int:household_pk>/land/", portal.land_detail, name="land"),
    path("households/<int:household_pk>/payouts/", portal.payouts, name="payouts"),
    path("households/<int:household_pk>/notice/", portal.notice, name="notice"),
    path(
        "households/<int:household_pk>/notice/<int:run_pk>/objection/",
        portal.objection_create,
        name="objection-create",
    ),
    path("households/<int:household_pk>/statements/", portal.statements, name="statements"),
    path("households/<int:household_pk>/statements/<int:year>.pdf", portal.statement_pdf, name="statement-pdf"),
]
