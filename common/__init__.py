"""Shared plumbing below every app: owners, authentication, the API base view, pagination.

It imports nothing of ours; ``videos`` and ``dreams`` build on it.
"""
