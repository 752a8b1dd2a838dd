"""Personal data protection (PDPL): a beneficiary's data export, consent, anonymisation."""
