"""hitex.data."""
