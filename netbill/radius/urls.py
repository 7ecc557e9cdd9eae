from django.urls import path

from .views import RouterReconcileView

app_name = "radius"

urlpatterns = [
    path(
        "routers/<int:pk>/reconcile/",
        RouterReconcileView.as_view(),
        name="router_reconcile",
    ),
]
