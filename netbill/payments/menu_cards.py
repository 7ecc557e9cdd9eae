"""Menu entries of the payments app: cards."""
