"""EasyPayWay (integrations.md §1). Placeholder until its module is written."""

from .base import Gateway


class EasyPayWayGateway(Gateway):
    provider = "easypayway"
    label = "EasyPayWay"
