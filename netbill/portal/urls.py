"""The customer portal (/portal/<isp>/) and the suspension portal: public pages of one
ISP (no panel login; customers log in with their PPPoE username and password)."""

from django.urls import path

from . import views as v

app_name = "portal"

urlpatterns = [
    path("", v.PortalIndexView.as_view(), name="index"),
    # The payments result page links here: keep the name and the shape.
    path("<slug:isp>/", v.PortalHomeView.as_view(), name="home"),
    path("<slug:isp>/login/", v.PortalLoginView.as_view(), name="login"),
    path("<slug:isp>/logout/", v.PortalLogoutView.as_view(), name="logout"),
    path("<slug:isp>/pay/", v.PortalPayView.as_view(), name="pay"),
    path("<slug:isp>/payments/<int:pk>/receipt/", v.PortalReceiptView.as_view(), name="receipt"),
    path("<slug:isp>/redeem/", v.PortalRedeemView.as_view(), name="redeem"),
    path("<slug:isp>/suspended/", v.SuspensionPortalView.as_view(), name="suspended"),
]
