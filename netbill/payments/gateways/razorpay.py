"""Razorpay (integrations.md §1). Placeholder until its module is written."""

from .base import Gateway


class RazorpayGateway(Gateway):
    provider = "razorpay"
    label = "Razorpay"
