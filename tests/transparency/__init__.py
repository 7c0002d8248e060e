"""Tests of the public transparency pages, open data, the API and the city overview."""
