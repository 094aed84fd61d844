"""Jira connector (Jira Cloud and Jira Data Center/Server), registered as kind `jira`."""

from connectors.jira.connector import JiraConnector

__all__ = ["JiraConnector"]
