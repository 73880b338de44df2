"""Development and benchmark data, kept out of the apps.

- ``devdata.demo``: the demo data of a first look (``manage.py seed_demo``): users, teams,
  customers, a catalogue, orders and cases in every kind and status, made through the real services.
- ``devdata.channels``: the demo channels (``manage.py seed_demo_channels``).
- ``devdata.bench``: 18 months of synthetic history for benchmarks and dashboards
  (``manage.py seed_bench``), loaded with COPY.
- ``devdata.state_machine``: the case state machine as a graph, read from the model, so neither
  generator states a transition again.

Contract: devdata may import every app; no app imports devdata (tests/devdata/test_boundaries.py).
"""
