"""SSLCommerz (integrations.md §1). Placeholder until its module is written."""

from .base import Gateway


class SslCommerzGateway(Gateway):
    provider = "sslcommerz"
    label = "SSLCommerz"
