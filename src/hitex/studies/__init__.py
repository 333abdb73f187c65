"""hitex.studies."""
