"""The policy document: the one shared template rendered per tenant, its versions and board approvals.

- `placeholders`: the values the template may use, validated; `rendering`: the sandbox, the table of
  contents, the text for diffs; `versions`: drafts, approval and publication; `diff`; `pdf`.

Importing this package connects the policy to `tenant_settings_changed`: every change of a tenant's
settings (provisioning, the admin's settings page) gets a new draft when what the policy says changed.
"""
from core.policy import versions
from core.signals import tenant_settings_changed


def _on_settings_changed(tenant, **_extra) -> None:
    versions.sync(tenant)


tenant_settings_changed.connect(_on_settings_changed)
