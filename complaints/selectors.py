"""Read-side queries of the complaints part that other parts call."""


def has_open_billing_complaint(customer_id: int) -> bool:
    """Whether the customer has an open complaint of category `billing`.

    Billing calls this before requesting, approving or executing a disconnection for arrears.
    (Filled in by the complaints part: until complaint tickets exist, there is none open.)
    """
    return False
