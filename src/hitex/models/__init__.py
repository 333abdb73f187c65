"""hitex.models."""
