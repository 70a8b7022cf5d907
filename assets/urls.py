from django.urls import path

from assets import views

app_name = "assets"

urlpatterns = [
    path("", views.asset_list, name="asset-list"),
    path("new/", views.asset_form, name="asset-create"),
    path("card/<str:code>/", views.asset_card, name="asset-card"),
    path("card/<str:code>/edit/", views.asset_form, name="asset-edit"),
    path("card/<str:code>/qr.svg", views.asset_qr, name="asset-qr"),
    path("card/<str:code>/label.pdf", views.asset_label, name="asset-label"),
    path("card/<str:code>/dispose/", views.asset_dispose, name="asset-dispose"),
    path("card/<str:code>/photo/", views.asset_photo, name="asset-photo"),
    path("labels.pdf", views.labels_pdf, name="labels"),
    path("depreciation/", views.depreciation, name="depreciation"),
    path("checks/", views.check_list, name="check-list"),
    path("checks/<int:pk>/", views.check_detail, name="check-detail"),
    path("checks/<int:pk>/close/", views.check_close, name="check-close"),
    path("resources/", views.resource_list, name="resource-list"),
    path("resources/new/", views.resource_form, name="resource-create"),
    path("resources/<int:pk>/edit/", views.resource_form, name="resource-edit"),
    path("contracts/", views.contract_list, name="contract-list"),
    path("contracts/new/", views.contract_create, name="contract-create"),
    path("contracts/<int:pk>/", views.contract_detail, name="contract-detail"),
    path("contracts/<int:pk>/sign/", views.contract_sign, name="contract-sign"),
    path("contracts/<int:pk>/terminate/", views.contract_terminate, name="contract-terminate"),
    path("contracts/<int:pk>/receipt/", views.contract_receipt, name="contract-receipt"),
    path("contracts/<int:pk>/deposit/", views.contract_deposit, name="contract-deposit"),
    path("reminders/", views.reminders, name="reminders"),
    path("map/", views.parcel_map, name="parcel-map"),
    path("map/import/", views.boundary_import, name="boundary-import"),
    path("map/parcels/<int:pk>/", views.boundary_edit, name="boundary-edit"),
]
