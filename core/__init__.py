"""The shared kernel (DESIGN.md §2): mechanisms every app needs and no app owns.

It imports no app of the project (``tests/test_architecture.py``); every app may import it.

``crypto`` / ``fields`` / ``secret_admin``  secrets encrypted at rest, write-only in the admin
``client_ip``                             the client's address behind the trusted proxies
``streams``                               caps on long-lived event streams per process and client
``checks``                                system checks that stop an unsafe production start
``outgoing``                              outgoing URLs that may not reach loopback or private networks
``phones``                                phone numbers as E.164
``personal_data`` / ``signed_in``         the registry of personal-data fields that erasure walks
"""
