"""Backups of a whole Wasl instance: the database, the uploaded files and a manifest with checksums."""
