"""Adapters that need no database: files, images, passwords, the task queue."""
