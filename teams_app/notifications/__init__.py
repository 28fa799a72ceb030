"""Notifications: follows (with automatic ones for members and reporters), the inbox with its
unread count, per-kind delivery preferences, and mail through the job queue."""
