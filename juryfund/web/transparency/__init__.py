"""Transparency: published decisions, project pages, budget, annual report, open data, city view."""
