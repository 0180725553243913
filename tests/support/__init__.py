"""Helpers shared by the test suites: fakes, factories, process control."""
