"""Reactions to events from lower apps (DESIGN.md §4)."""
