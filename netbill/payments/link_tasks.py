"""Payment Link Broadcast: the background job (written with payments.links)."""
