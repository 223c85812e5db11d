"""Calling the API in tests: a walker's token and its Authorization header."""

from milequest.services.walkers import api_tokens


def token_for(walker, scope: str = "write", days: int = 30) -> str:
    return api_tokens.create_token(walker, "test script", scope, days).secret


def bearer(secret: str) -> dict:
    return {"Authorization": f"Bearer {secret}"}
