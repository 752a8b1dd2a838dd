"""Case confidentiality: who may open a beneficiary's file (`file_access` = all_staff | assigned)."""
