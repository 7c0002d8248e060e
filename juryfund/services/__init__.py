"""Use cases: load, call the domain, change, flush. The caller commits once."""
