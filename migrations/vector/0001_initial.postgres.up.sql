-- The schema the pgvector store created at start-up before migrations existed (issue 5).
-- IF NOT EXISTS everywhere, so a database created by that code is adopted as version 0001.
-- {{PATTERN_LENGTH}} is replaced by the configured PATTERN_LENGTH when the migration runs (the
-- checksum is of this text, so changing the setting does not make the migration "changed").
-- A table made earlier for another length is kept as it is; the store's start refuses it.
CREATE EXTENSION IF NOT EXISTS vector;
CREATE TABLE IF NOT EXISTS price_patterns (
  symbol text NOT NULL,
  "interval" text NOT NULL,
  asset_class text NOT NULL,
  embedding vector({{PATTERN_LENGTH}}) NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (symbol, "interval")
);
CREATE INDEX IF NOT EXISTS price_patterns_embedding ON price_patterns USING hnsw (embedding vector_cosine_ops);
