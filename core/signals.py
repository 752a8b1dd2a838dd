"""Signals between domains, so one domain reacts to another without importing it."""
from blinker import Namespace

_signals = Namespace()

#: Sent with the Tenant after its settings changed (provisioning, charity admin settings); the
#: policy domain answers by making a new draft version when what the policy says has changed.
tenant_settings_changed = _signals.signal("tenant-settings-changed")
