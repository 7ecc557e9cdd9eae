from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("settings/company/", views.CompanyView.as_view(), name="company"),
]
