"""The email channel, in.

- ``receiving``: one raw message into an inbox (``ingest``, shared by the raw-message webhook and
  the IMAP poller) and the poller itself (``poll_inbox``, ``poll_safely``).
- ``parsing``: raw RFC 822 bytes to a ``ParsedMail`` (``parse_email``), or ``MailRejected``; pure
  functions over bytes, built on ``charsets`` (bytes to text), ``headers`` (header values to text,
  addresses, ids, dates), ``html_body`` (sanitised HTML, HTML to text) and ``quoted_history`` (the
  new part of a reply).

Replies to customers leave through ``channels_app.replies``.
"""
