"""Messages to beneficiaries: written to an outbox with the change, delivered later by `wasl outbox send`."""
