"""bKash (integrations.md §1). Placeholder until its module is written."""

from .base import Gateway


class BkashGateway(Gateway):
    provider = "bkash"
    label = "bKash"
