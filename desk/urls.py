from django.urls import path

from desk import views

app_name = "desk"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("reports/annual/", views.annual_report, name="annual-report"),
    path("reports/annual/<int:year>.xlsx", views.annual_report_xlsx, name="annual-report-xlsx"),
    path("reports/annual/<int:year>.pdf", views.annual_report_pdf, name="annual-report-pdf"),
    path("villages/<int:association_pk>/<int:year>.xlsx", views.village_workbook, name="village-workbook"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/<int:run_pk>/<slug:event>/read/", views.notification_read, name="notification-read"),
]
