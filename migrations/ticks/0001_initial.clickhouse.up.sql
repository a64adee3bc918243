-- The ticks table the tick stores created at start-up before migrations existed (issue 5).
-- ClickHouse has no transactional DDL: a statement that fails leaves the ones before it applied,
-- so every statement here must be safe to run again (IF NOT EXISTS).
CREATE TABLE IF NOT EXISTS ticks (
  symbol LowCardinality(String),
  time DateTime64(3, 'UTC'),
  bid Float64,
  ask Float64,
  last Nullable(Float64),
  volume Nullable(Float64),
  flags Nullable(UInt32),
  seq UInt64
) ENGINE = MergeTree
ORDER BY (symbol, time, seq);
