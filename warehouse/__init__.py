"""RadSoMe warehouse: the raw store, the build (staging -> intermediate -> marts) and the
named read queries the dashboard and the benchmark share."""
