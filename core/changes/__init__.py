"""Change requests on a beneficiary file: reported from the portal or opened from a complaint, reviewed by staff."""
