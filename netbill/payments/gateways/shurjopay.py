"""ShurjoPay (integrations.md §1). Placeholder until its module is written."""

from .base import Gateway


class ShurjoPayGateway(Gateway):
    provider = "shurjopay"
    label = "ShurjoPay"
