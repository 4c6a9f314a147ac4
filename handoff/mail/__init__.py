"""Email follow-up: agents' answers reach a customer who left, and their reply comes back.

tokens.py signs resume links and reply addresses, compose.py writes the mails, service.py
decides what to send when (its Redis state: handoff/stores/mail.py), sender.py delivers the
outbox over SMTP once, inbound.py turns a reply into plain text and receiver.py is the SMTP
server replies arrive at (docs/email.md).
"""
