"""Payment gateway modules, one per provider, behind `base.Gateway`."""

from .aamarpay import AamarPayGateway
from .base import (
    Callback,
    CallbackRejected,
    CallbackRequest,
    Gateway,
    GatewayError,
    GatewayTimeout,
    GatewayUnavailable,
    RefundNotSupported,
    Started,
    Urls,
    Verification,
)
from .bkash import BkashGateway
from .easypayway import EasyPayWayGateway
from .nagad import NagadGateway
from .razorpay import RazorpayGateway
from .sandbox import SandboxGateway
from .shurjopay import ShurjoPayGateway
from .sslcommerz import SslCommerzGateway
from .walletmix import WalletMixGateway

MODULES: dict[str, type[Gateway]] = {
    m.provider: m
    for m in (
        BkashGateway,
        NagadGateway,
        SslCommerzGateway,
        RazorpayGateway,
        ShurjoPayGateway,
        AamarPayGateway,
        EasyPayWayGateway,
        WalletMixGateway,
        SandboxGateway,
    )
}


def module_for(config, **kwargs) -> Gateway:
    """The module of a configured gateway (a `PaymentGateway` row)."""
    return MODULES[config.provider](config, **kwargs)


__all__ = [
    "MODULES",
    "Callback",
    "CallbackRejected",
    "CallbackRequest",
    "Gateway",
    "GatewayError",
    "GatewayTimeout",
    "GatewayUnavailable",
    "RefundNotSupported",
    "Started",
    "Urls",
    "Verification",
    "module_for",
]
