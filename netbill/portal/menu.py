"""Menu entries of the portal app (Settings → Suspension Portal Settings)."""
