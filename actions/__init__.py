"""Rasa SDK custom actions of the Carebot assistant (`python -m rasa_sdk --actions actions`).

One small module per flow; the action server imports every submodule and registers
each concrete `Action` subclass:

    orders.py     validate_order_lookup_form, action_order_status
    returns.py    validate_return_request_form, action_ask_return_item, action_submit_return
    billing.py    validate_billing_dispute_form, action_submit_dispute
    callbacks.py  validate_callback_request_form, action_submit_callback
    store.py      action_store_hours
    knowledge.py  action_kb_answer, action_kb_feedback (knowledge-base answers)
    topics.py     action_topic_answer, action_accept_offer (grounded intent answers, questions
                  before actions)
    handoff.py    action_handoff, action_handoff_returned (to a person and back)

Shared plumbing (CRM access, the client profile, form base classes) is in `common.py`
and `verification.py`; the customer-facing sentences are built by the Rasa-free
functions in `replies.py`, and parsing/validation lives in `bot.parsing`.
"""
