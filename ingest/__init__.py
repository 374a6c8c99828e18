"""RadSoMe ingest: sources yield records, transforms are pure, ``ingest.landing`` saves."""
