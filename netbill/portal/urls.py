"""The customer portal (/portal/<isp>/) and the suspension portal."""

from django.urls import path

from . import views as v

app_name = "portal"

urlpatterns = [
    path("<slug:isp>/", v.PortalHomeView.as_view(), name="home"),
]
