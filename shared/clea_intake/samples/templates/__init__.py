"""Per-type page templates: each type has several layouts, wordings and fonts."""
