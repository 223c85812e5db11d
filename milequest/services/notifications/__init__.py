"""Notifications: created once per (walker, cause), shown in the app, emailed through the outbox."""
