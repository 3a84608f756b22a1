"""The console tests' world (fake ports holding cases, pieces, a quarantined message and orders) for every module."""

from tests.unit.console.test_console_api import clock, world  # noqa: F401 - fixtures shared by the modules here
