from .views import urlpatterns as _patterns

app_name = "customers"

urlpatterns = list(_patterns)
