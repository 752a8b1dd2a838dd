"""The eligibility_verification module («آلية التأكد من استحقاق المستفيدين», 004): a checklist on each
support request — each step done, not applicable (with a reason) or pending, with its evidence — a field
visit report, two witnesses, a needs study; a request goes to review only with the checklist complete."""
