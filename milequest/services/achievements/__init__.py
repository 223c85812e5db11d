"""Streaks, the weekly goal and badges: what keeps a walker coming back."""
