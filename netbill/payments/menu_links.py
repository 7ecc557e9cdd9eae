"""Menu entries of the payments app: links."""
