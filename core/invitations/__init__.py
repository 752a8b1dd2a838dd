"""Invitations: how a person joins an association (the only way a charity admin adds someone)."""
