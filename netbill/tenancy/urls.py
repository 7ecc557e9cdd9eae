from .views import urlpatterns as _patterns

app_name = "tenancy"

urlpatterns = list(_patterns)
