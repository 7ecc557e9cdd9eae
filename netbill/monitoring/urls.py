from django.urls import path

from . import views

app_name = "monitoring"

urlpatterns = [
    path("admin/noc/", views.NocDashboardView.as_view(), name="noc_dashboard"),
]
