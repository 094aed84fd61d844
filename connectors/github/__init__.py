"""GitHub Issues connector (github.com and GitHub Enterprise), registered as kind `github`."""

from connectors.github.connector import GitHubConnector

__all__ = ["GitHubConnector"]
