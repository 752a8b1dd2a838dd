"""Beneficiary files: the person, the household, the income, the categories."""
