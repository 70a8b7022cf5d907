from django.urls import path

from membership import views

app_name = "membership"

urlpatterns = [
    path("rounds/", views.round_list, name="round-list"),
    path("rounds/new/", views.round_create, name="round-create"),
    path("rounds/<int:pk>/", views.round_detail, name="round-detail"),
    path("rounds/<int:pk>/resolution/", views.resolution_upload, name="resolution-upload"),
    path("rounds/<int:pk>/resolution/file/", views.resolution_download, name="resolution-download"),
    path("rounds/<int:pk>/entries/<int:entry_pk>/", views.entry_edit, name="entry-edit"),
    path("rounds/<int:pk>/postings/publish/", views.posting_publish, name="posting-publish"),
    path("rounds/<int:pk>/postings/<int:number>/close/", views.posting_close, name="posting-close"),
    path("rounds/<int:pk>/postings/<int:number>/notice/", views.posting_notice, name="posting-notice"),
    path("rounds/<int:pk>/postings/<int:number>/changes/", views.posting_compare, name="posting-compare"),
    path("rounds/<int:pk>/objections/paper/", views.objection_paper, name="objection-paper"),
    path("rounds/<int:pk>/objections/<int:objection_pk>/answer/", views.objection_answer, name="objection-answer"),
    path("rounds/<int:pk>/complete/", views.round_complete, name="round-complete"),
    path("rounds/<int:pk>/certificates.pdf", views.certificates_pdf, name="certificates"),
    path("rounds/<int:pk>/quantify/", views.quantify, name="quantify"),
    path("restorations/", views.restoration_list, name="restoration-list"),
    path("members/<int:member_pk>/restore/", views.member_restore, name="member-restore"),
    path("me/", views.portal_postings, name="portal-postings"),
    path("me/postings/<int:posting_pk>/objection/", views.portal_objection, name="portal-objection"),
]
