"""Exports of the staff lists to CSV and XLSX: the list's filters, the role's fields, audited."""
