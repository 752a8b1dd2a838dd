"""Wasl core: the shared domain every surface (blueprint) builds on."""
