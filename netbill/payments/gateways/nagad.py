"""Nagad (integrations.md §1). Placeholder until its module is written."""

from .base import Gateway


class NagadGateway(Gateway):
    provider = "nagad"
    label = "Nagad"
