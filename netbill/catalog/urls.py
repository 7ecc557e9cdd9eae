from .views import urlpatterns as _patterns

app_name = "catalog"

urlpatterns = list(_patterns)
