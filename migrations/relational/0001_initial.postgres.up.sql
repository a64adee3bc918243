-- The schema the relational store created at start-up before migrations existed (issue 5).
-- IF NOT EXISTS everywhere, so a database created by that code is adopted as version 0001.
CREATE TABLE IF NOT EXISTS instruments (
  symbol text PRIMARY KEY,
  description text,
  asset_class text NOT NULL,
  base_currency text NOT NULL,
  quote_currency text NOT NULL,
  digits integer NOT NULL CHECK (digits BETWEEN 0 AND 12),
  contract_size double precision NOT NULL DEFAULT 1 CHECK (contract_size > 0),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS instruments_asset_class ON instruments (asset_class, symbol);
-- Added by the start-up code after the table first shipped; kept as it was, so the column order matches.
ALTER TABLE instruments ADD COLUMN IF NOT EXISTS sector text;
CREATE TABLE IF NOT EXISTS accounts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  login text NOT NULL UNIQUE,
  name text NOT NULL,
  currency text NOT NULL,
  balance numeric(20, 2) NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS positions (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id bigint NOT NULL REFERENCES accounts (id),
  symbol text NOT NULL REFERENCES instruments (symbol),
  side text NOT NULL CHECK (side IN ('BUY', 'SELL')),
  volume double precision NOT NULL CHECK (volume > 0),
  open_price double precision NOT NULL,
  open_time timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS positions_account ON positions (account_id, id);
