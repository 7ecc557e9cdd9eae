"""Public payment URLs, under /pay/<isp>/: no panel login, the ISP from the URL."""

from django.urls import path

from . import link_public_views as links
from . import public_views as v

app_name = "payments_public"

urlpatterns = [
    path("gw/<slug:provider>/return/", v.GatewayReturnView.as_view(), name="gateway_return"),
    path("gw/<slug:provider>/ipn/", v.GatewayIpnView.as_view(), name="gateway_ipn"),
    path("result/<str:reference>/", v.PaymentResultView.as_view(), name="result"),
    path("link/<str:signed>/", links.PaymentLinkView.as_view(), name="link"),
    path("sandbox/<str:reference>/", v.SandboxCheckoutView.as_view(), name="sandbox_checkout"),
]
