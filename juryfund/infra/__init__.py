"""Shared infrastructure below the services: audit trail, mail, tokens, links, clock, database."""
