"""The allocation rule as a pure function, shared by the services and the data generators."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from decimal import Decimal
from typing import TypeVar

from common.money import ZERO

Key = TypeVar("Key", bound=Hashable)


def plan_allocation(
    amount: Decimal, open_bills: Sequence[tuple[Key, Decimal]]
) -> tuple[list[tuple[Key, Decimal]], Decimal]:
    """Spread `amount` over `open_bills` in the order given (oldest due first).

    `open_bills` are (key, outstanding amount). Returns the (key, amount) pieces and what is
    left over (the customer's credit).
    """
    pieces: list[tuple[Key, Decimal]] = []
    left = amount
    for key, outstanding in open_bills:
        if left <= ZERO:
            break
        if outstanding <= ZERO:
            continue
        piece = min(left, outstanding)
        pieces.append((key, piece))
        left -= piece
    return pieces, left
