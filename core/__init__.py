"""The shared kernel (DESIGN.md §2): mechanisms every app needs and no app owns.

It imports no app of the project (``tests/test_architecture.py``); every app may import it.

``clock``                                 the one "now" the tests can freeze
``errors``                                the domain error base (``DomainError``, ``InvalidInput``,
                                          ``Forbidden``, ``Conflict``), each carrying its HTTP status
``api``                                   the API's error handler and error body, ``HasRolePermissions``
``pagination``                            keyset pagination: the one cursor codec, ``KeysetOrdering``,
                                          DRF's ``KeysetPagination``
``desk``                                  the desk shell: ``desk_required``, the menu registry each app
                                          fills (``{% desk_menu %}``), a refused write shown again
``roles``                                 the staff roles; each app registers its permissions,
                                          ``ensure_roles`` builds the groups after migrate
``admin`` / ``admin_masking``             admin base classes; personal data masked in the admin
``admin_registry``                        the admin composed once: apps extend other apps' admins
``masking``                               the masks, the reveal for a reason, ``personal_data_accessed``
``crypto`` / ``fields`` / ``secret_admin``  secrets encrypted at rest, write-only in the admin
``client_ip``                             the client's address behind the trusted proxies (the only
                                          reader of REMOTE_ADDR and X-Forwarded-For)
``streams``                               caps on long-lived event streams per process and client
``checks``                                system checks that stop an unsafe production start
``outbox``                                the one outbox: the delivery-row base, the kinds' registry, one
                                          claim-and-drain loop (SKIP LOCKED, backoff, replay, nudge on commit)
``outgoing``                              outgoing URLs that may not reach loopback or private networks
``phones``                                phone numbers as E.164
``personal_data`` / ``signed_in``         the registry of personal-data fields that erasure walks
"""
