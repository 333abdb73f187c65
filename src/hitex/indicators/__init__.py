"""hitex.indicators."""
