"""The eligibility module's part in the support-request workflow, through the workflow's signals."""
from core.eligibility import operations
from core.modules import enabled
from core.signals import request_opened, request_transition
from core.workflow.states import Action


@request_opened.connect
def copy_checklist(tenant, request, actor, **_kw):
    if enabled(tenant, operations.MODULE):
        operations.ensure_steps(tenant, request)


@request_transition.connect
def complete_before_review(tenant, request, action, actor, **_kw):
    if action == Action.send_to_review:
        operations.guard_review(tenant, request)
