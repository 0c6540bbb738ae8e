"""GraphQL names and the Python attributes behind them."""

from __future__ import annotations

import re


def python_name(graphql_name: str) -> str:
    """``adresseId`` → ``adresse_id``: the attribute strawberry camel-cases to the field."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", graphql_name).lower()
