-- The schema the Postgres graph store created at start-up before migrations existed (issue 5).
-- IF NOT EXISTS everywhere, so a database created by that code is adopted as version 0001.
CREATE TABLE IF NOT EXISTS graph_instruments (
  symbol text PRIMARY KEY,
  base_currency text NOT NULL,
  quote_currency text NOT NULL,
  sector text
);
CREATE INDEX IF NOT EXISTS graph_instruments_base ON graph_instruments (base_currency);
CREATE INDEX IF NOT EXISTS graph_instruments_quote ON graph_instruments (quote_currency);
CREATE INDEX IF NOT EXISTS graph_instruments_sector ON graph_instruments (sector) WHERE sector IS NOT NULL;
-- "window" is a reserved word in PostgreSQL, hence the quotes.
CREATE TABLE IF NOT EXISTS graph_correlations (
  interval text NOT NULL,
  a text NOT NULL,
  b text NOT NULL,
  coefficient double precision NOT NULL,
  "window" integer NOT NULL,
  computed_at timestamptz NOT NULL,
  PRIMARY KEY (interval, a, b),
  CHECK (a < b)
);
CREATE INDEX IF NOT EXISTS graph_correlations_a ON graph_correlations (a);
CREATE INDEX IF NOT EXISTS graph_correlations_b ON graph_correlations (b);
