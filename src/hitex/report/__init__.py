"""hitex.report."""
