from django.urls import path

from association import views

app_name = "association"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("growers/", views.grower_list, name="grower-list"),
    path("growers/new/", views.grower_create, name="grower-create"),
    path("growers/<int:pk>/", views.grower_detail, name="grower-detail"),
    path("growers/<int:pk>/edit/", views.grower_edit, name="grower-edit"),
    path("trainings/", views.training_list, name="training-list"),
    path("trainings/new/", views.training_create, name="training-create"),
    path("trainings/<int:pk>/", views.training_detail, name="training-detail"),
    path("trainings/<int:pk>/attendance/", views.training_attendance, name="training-attendance"),
    path("harvests/", views.harvest_list, name="harvest-list"),
    path("harvests/new/", views.harvest_create, name="harvest-create"),
    path("storage/", views.storage, name="storage"),
    path("storage/in/", views.storage_in, name="storage-in"),
    path("storage/lots/<int:pk>/", views.lot_detail, name="lot-detail"),
    path("storage/lots/<int:pk>/out/", views.lot_out, name="lot-out"),
    path("processing/", views.batch_list, name="batch-list"),
    path("processing/new/", views.batch_create, name="batch-create"),
    path("processing/<int:pk>/", views.batch_detail, name="batch-detail"),
    path("processing/<int:pk>/sales/new/", views.sale_create, name="sale-create"),
    path("cultivars/", views.cultivar_list, name="cultivar-list"),
    path("cultivars/new/", views.cultivar_create, name="cultivar-create"),
    path("certifications/new/", views.certification_create, name="certification-create"),
    path("import/", views.import_sheet, name="import"),
]
