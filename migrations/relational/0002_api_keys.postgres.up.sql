-- API keys (issue 6). A key is `mg_<id>_<secret>`; only a SHA-256 of the secret is kept, so this
-- table cannot be used to authenticate (see src/auth/api-key.ts for why a plain SHA-256 suffices).
CREATE TABLE api_keys (
  id text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
  roles text[] NOT NULL CHECK (cardinality(roles) > 0 AND roles <@ ARRAY['read', 'ingest', 'admin']),
  secret_hash text NOT NULL CHECK (secret_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);
