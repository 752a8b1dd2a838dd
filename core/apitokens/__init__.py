"""Per-user API tokens: each fixes one tenant and acts with its user's roles there."""
