"""aamarPay (integrations.md §1). Placeholder until its module is written."""

from .base import Gateway


class AamarPayGateway(Gateway):
    provider = "aamarpay"
    label = "aamarPay"
