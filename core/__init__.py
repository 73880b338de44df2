"""The shared kernel (DESIGN.md §2): mechanisms every app needs and no app owns.

It imports no app of the project; every app may import it. Modules: ``crypto`` (secrets encrypted
at rest, write-only in forms), ``client_ip`` (the client's address behind trusted proxies),
``outgoing`` (outgoing URLs that may not reach loopback or private networks), ``phones`` (E.164).
"""
