from .views import pools, routers, vpn

app_name = "network"

# Each area keeps its own patterns next to its views.
urlpatterns = [*routers.urlpatterns, *vpn.urlpatterns, *pools.urlpatterns]
