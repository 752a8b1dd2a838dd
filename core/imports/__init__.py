"""Bulk import of beneficiary files and household members from CSV or XLSX."""
