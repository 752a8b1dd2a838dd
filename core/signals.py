"""Signals between domains, so one domain reacts to another without importing it."""
from blinker import Namespace

_signals = Namespace()

#: Sent with the Tenant after its settings changed (provisioning, charity admin settings); the
#: policy domain answers by making a new draft version when what the policy says has changed.
tenant_settings_changed = _signals.signal("tenant-settings-changed")

#: Sent with the Tenant before an action of the support-request state machine is applied (request=,
#: action=, actor=); a receiver refuses the action by raising a WorkflowError, and nothing is written.
#: The eligibility_verification module keeps a request from review until its checklist is complete.
request_transition = _signals.signal("request-transition")

#: Sent with the Tenant after a support request was opened and flushed (request=, actor=).
request_opened = _signals.signal("request-opened")

#: Sent with the Tenant after an action of the support-request state machine was applied and flushed
#: (request=, action=, actor=); staff notifications answer it.
request_changed = _signals.signal("request-changed")

#: Sent with the OutboxMessage once it was delivered (sent_at=), in the transaction that records it; the
#: workflow answers a decision's message by marking the decision as told.
message_sent = _signals.signal("message-sent")

#: Sent with the Tenant after a referral was asked (referral=, actor=) or answered (referral=, actor=).
referral_asked = _signals.signal("referral-asked")
referral_answered = _signals.signal("referral-answered")
