"""Badge receivers: connected from DelegatesConfig.ready()."""
