"""Email follow-up: agents' answers reach a customer who left, and their reply comes back.

tokens.py signs resume links and reply addresses, store.py keeps widget presence, the due
batches and the outbox stream in Redis, compose.py writes the mails, service.py decides what
to send when, sender.py delivers the outbox over SMTP exactly once, inbound.py turns a reply
into plain text and receiver.py is the SMTP server replies arrive at (docs/email.md).
"""
