"""Notifications: what an account is told, in the app and by email (knows nothing of dreams)."""
