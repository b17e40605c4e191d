"""Badge and check-in models (imported by delegates.models so Django registers them)."""
