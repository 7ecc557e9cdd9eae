"""The chart of accounts every ISP starts with. The keys are what services post to."""

from django.utils.translation import gettext_noop as N_

from .choices import AccountTypeChoices as T

# The gateways of Settings → Payment Gateways, each with its clearing account.
GATEWAYS = (
    ("bkash", "bKash"),
    ("nagad", "Nagad"),
    ("sslcommerz", "SSLCommerz"),
    ("razorpay", "Razorpay"),
    ("shurjopay", "ShurjoPay"),
    ("aamarpay", "aamarPay"),
    ("easypayway", "EasyPayWay"),
    ("walletmix", "WalletMix"),
    ("sandbox", "Sandbox"),
)

CASH = "cash"
BANK = "bank"
RECEIVABLE = "receivable"
CUSTOMER_ADVANCES = "customer_advances"
OPERATOR_DEPOSITS = "operator_deposits"
PAYABLE = "payable"
VAT_PAYABLE = "vat_payable"
EQUITY = "equity"
REVENUE = "revenue"
DISCOUNTS = "discounts"
OPERATOR_COMMISSION = "operator_commission"
DISTRIBUTOR_DEPOSITS = "distributor_deposits"
CARDS_OUTSTANDING = "cards_outstanding"


def gateway_key(gateway: str) -> str:
    return f"gateway:{gateway}"


# (key, code, name, type, description); names are translated when shown.
SYSTEM_ACCOUNTS: tuple[tuple[str, str, str, str, str], ...] = (
    (CASH, "1000", N_("Cash"), T.ASSET, N_("Cash in hand, received at the counter.")),
    (BANK, "1010", N_("Bank"), T.ASSET, N_("The ISP's bank accounts.")),
    *(
        (
            gateway_key(key),
            f"{1100 + i}",
            f"{label} clearing",
            T.ASSET,
            N_("Money a gateway has collected and not yet settled to the bank."),
        )
        for i, (key, label) in enumerate(GATEWAYS)
    ),
    (
        RECEIVABLE,
        "1200",
        N_("Accounts Receivable"),
        T.ASSET,
        N_("What customers owe on their bills, per customer."),
    ),
    (PAYABLE, "2000", N_("Accounts Payable"), T.LIABILITY, N_("What the ISP owes suppliers.")),
    (
        CUSTOMER_ADVANCES,
        "2100",
        N_("Customer advances"),
        T.LIABILITY,
        N_("Credit customers paid in advance, per customer; their next bills consume it."),
    ),
    (
        OPERATOR_DEPOSITS,
        "2200",
        N_("Operator deposits"),
        T.LIABILITY,
        N_(
            "Each operator's balance with the ISP: deposits and commissions, less the cash "
            "it collected from customers."
        ),
    ),
    (
        DISTRIBUTOR_DEPOSITS,
        "2210",
        N_("Card distributor deposits"),
        T.LIABILITY,
        N_("Each card distributor's prepaid balance, less the cards issued to it."),
    ),
    (
        CARDS_OUTSTANDING,
        "2400",
        N_("Recharge cards outstanding"),
        T.LIABILITY,
        N_("The value of recharge cards sold to resellers and distributors, not yet redeemed."),
    ),
    (VAT_PAYABLE, "2300", N_("VAT payable"), T.LIABILITY, N_("VAT charged on bills.")),
    (EQUITY, "3000", N_("Owner's equity"), T.EQUITY, N_("Opening balances and capital.")),
    (REVENUE, "4000", N_("Internet service revenue"), T.INCOME, N_("Bills, net of VAT.")),
    (DISCOUNTS, "4900", N_("Discounts"), T.EXPENSE, N_("Discounts given on bills.")),
    (
        OPERATOR_COMMISSION,
        "5000",
        N_("Operator commission"),
        T.EXPENSE,
        N_("Operators' share of their customers' paid bills, per operator."),
    ),
)
