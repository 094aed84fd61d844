"""Linear connector over GraphQL (httpx), registered as kind `linear`."""

from connectors.linear.connector import LinearConnector

__all__ = ["LinearConnector"]
