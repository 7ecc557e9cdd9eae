"""WalletMix (integrations.md §1). Placeholder until its module is written."""

from .base import Gateway


class WalletMixGateway(Gateway):
    provider = "walletmix"
    label = "WalletMix"
