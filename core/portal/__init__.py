"""The beneficiary's side: applying online, finding one's request, one-time codes."""
