-- Patterns come back with Mutation.refreshPatterns. The extension stays: other schemas may use it.
DROP TABLE IF EXISTS price_patterns;
