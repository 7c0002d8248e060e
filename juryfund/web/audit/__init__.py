"""Staff pages of the audit trail, per application and per round."""
