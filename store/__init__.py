"""RadSoMe's stores and what they share: configuration (the data folder, secrets, settings),
connections and transactions, the raw store's migrations, run records and crash points,
errors, reference data, retention and deletions, the users register and audit log, review
decisions, and service schedules.

``ingest`` writes through this package and ``warehouse`` builds from it; neither imports the
other. This package imports nothing else of RadSoMe (tests/test_architecture.py checks it).
"""
