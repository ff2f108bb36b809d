"""Which refunds belong to a return: the first attempt is keyed ``return-<RMA>``, a
retry after n failed ones ``return-<RMA>-<n+1>`` (``refunding.refund_return``). Imports
only models, so read models anywhere can find a return's refunds."""

from __future__ import annotations

from portal.payments.models import Refund


def refund_key(number: str) -> str:
    return f"return-{number}"


def of_return(number: str):
    """A condition matching every refund attempt of return ``number``."""
    key = refund_key(number)
    return (Refund.idempotency_key == key) | Refund.idempotency_key.startswith(f"{key}-")


def latest_statuses(numbers: list[str]) -> dict[str, str]:
    """RMA number → the status of its newest refund attempt, in one query."""
    if not numbers:
        return {}
    condition = of_return(numbers[0])
    for number in numbers[1:]:
        condition |= of_return(number)
    latest: dict[str, str] = {}
    for key, status in (Refund.select(Refund.idempotency_key, Refund.status).where(condition)
                        .order_by(Refund.id).tuples()):
        number = key.removeprefix("return-")
        base = next((n for n in numbers if number == n or number.startswith(f"{n}-")), None)
        if base is not None:
            latest[base] = status
    return latest
