"""Panel pages of the payments app: links (views_links.py)."""

from django.urls import path

from . import views_links as v

urlpatterns: list = [
    path("customers/<int:pk>/link/", v.PaymentLinkSendView.as_view(), name="link_send"),
    path("links/broadcast/", v.PaymentLinkBroadcastView.as_view(), name="link_broadcast"),
    path(
        "links/broadcast/<int:pk>/",
        v.PaymentLinkBroadcastJobView.as_view(),
        name="link_broadcast_job",
    ),
    path(
        "links/broadcast/<int:pk>/file/",
        v.PaymentLinkBroadcastFileView.as_view(),
        name="link_broadcast_file",
    ),
]
