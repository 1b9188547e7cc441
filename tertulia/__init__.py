"""Tertulia: a self-hosted chat widget and visitor hub."""
