"""Menu entries of the payments app: gateways."""
