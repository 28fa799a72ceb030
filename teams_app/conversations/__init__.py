"""Conversations: comments with @mentions on initiatives, updates, barriers, actions, stories
and teams, and "me too" supports on barriers."""
