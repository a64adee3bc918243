-- Every API key is lost: the gateway then refuses every key, and new ones must be created.
DROP TABLE IF EXISTS api_keys;
