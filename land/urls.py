from django.urls import path

from land import views

app_name = "land"

urlpatterns = [
    path("parcels/", views.parcel_list, name="parcel-list"),
    path("parcels/new/", views.parcel_form, name="parcel-create"),
    path("parcels/<int:pk>/", views.parcel_detail, name="parcel-detail"),
    path("parcels/<int:pk>/edit/", views.parcel_form, name="parcel-edit"),
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/new/", views.contract_create, name="contract-create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/edit/", views.contract_edit, name="contract-edit"),
    path("contracts/<int:pk>/delete/", views.contract_delete, name="contract-delete"),
    path("contracts/<int:pk>/sign/", views.contract_sign, name="contract-sign"),
    path("contracts/<int:pk>/terminate/", views.contract_terminate, name="contract-terminate"),
    path("contracts/<int:pk>/renew/", views.contract_renew, name="contract-renew"),
    path("contracts/<int:pk>/pay/", views.contract_payment, name="contract-payment"),
    path("contracts/<int:pk>/pdf/", views.contract_pdf, name="contract-pdf"),
    path("rent/", views.rent_list, name="rent-list"),
    path("labour/", views.labour_list, name="labour-list"),
    path("labour/new/", views.labour_create, name="labour-create"),
    path("labour/members/", views.labour_members, name="labour-members"),
    path("labour/totals/", views.labour_totals, name="labour-totals"),
    path("import/<slug:kind>/", views.import_view, name="import"),
    path("import/<slug:kind>/template.csv", views.import_template, name="import-template"),
]
