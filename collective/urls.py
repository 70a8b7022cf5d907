from django.urls import path

from collective import views

app_name = "collective"

urlpatterns = [
    path("households/", views.household_list, name="household-list"),
    path("households/new/", views.household_create, name="household-create"),
    path("households/find/", views.household_find, name="household-find"),
    path("households/<int:pk>/", views.household_detail, name="household-detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household-edit"),
    path("households/<int:pk>/certificate/", views.household_certificate, name="household-certificate"),
    path("households/<int:pk>/reveal/", views.household_reveal, name="household-reveal"),
    path("households/<int:pk>/members/new/", views.member_create, name="member-create"),
    path("households/<int:pk>/events/<slug:kind>/", views.household_event, name="household-event"),
    path("members/<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("members/<int:pk>/cease/", views.member_cease, name="member-cease"),
    path("members/<int:pk>/move/", views.member_move, name="member-move"),
    path("members/<int:pk>/reveal/", views.member_reveal, name="member-reveal"),
    path("registry/", views.registry, name="registry"),
    path("registry/export.xlsx", views.registry_export, name="registry-export"),
    path("registry/collective/<slug:kind>/", views.collective_event, name="collective-event"),
    path("share-types/", views.share_type_list, name="share-type-list"),
    path("share-types/new/", views.share_type_edit, name="share-type-create"),
    path("share-types/<int:pk>/edit/", views.share_type_edit, name="share-type-edit"),
    path("quantify/", views.quantify, name="quantify"),
    path("import/", views.roster_import, name="import"),
    path("import/template.<str:fmt>", views.roster_template, name="import-template"),
    path("farmer-accounts/", views.farmer_account_list, name="farmer-account-list"),
    path("farmer-accounts/new/", views.farmer_account_create, name="farmer-account-create"),
    path("farmer-accounts/<int:pk>/reset/", views.farmer_account_reset, name="farmer-account-reset"),
    path("api-keys/", views.api_key_list, name="api-key-list"),
    path("api-keys/new/", views.api_key_create, name="api-key-create"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api-key-revoke"),
]
