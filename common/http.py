"""Typing of requests the product's pages receive."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.http import HttpRequest

if TYPE_CHECKING:
    from accounts_manager.models import User


class AuthenticatedHttpRequest(HttpRequest):
    """A request to a page behind the login (LoginRequiredMiddleware): its user is a person."""

    user: User  # type: ignore[assignment]
