"""Pages of the payments app: the payment pages (views.py) and the operators' Account
Balance pages (views_operators.py, via urls_operators.py)."""

from .urls_cards import urlpatterns as _cards
from .urls_gateways import urlpatterns as _gateways
from .urls_links import urlpatterns as _links
from .urls_operators import urlpatterns as _operators
from .views import urlpatterns as _payments

app_name = "payments"

urlpatterns = [*_payments, *_operators, *_gateways, *_links, *_cards]
