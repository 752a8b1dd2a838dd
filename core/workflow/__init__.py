"""Support requests from intake to service, referrals and the interactions timeline."""
