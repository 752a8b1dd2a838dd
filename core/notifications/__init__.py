"""Staff notifications: an in-app list with an unread count, and an optional daily e-mail digest.

Created where the events happen, by subscribing to the workflow's signals (`hooks.py`): a new referral
for the referral role, an answer to the person who referred, a request sent for the reader's decision;
the `notifications.decision_due_soon` job adds "a decision is due soon" and `notifications.daily_digest`
e-mails the unread ones to those who asked for it.
"""
