-- Schema 3: states the API server (rwkv-cli serve --db) keeps for token prefixes, so a
-- follow-up request resumes from a stored prefix instead of re-reading it, across restarts.
-- tokens = the exact token ids (int32, little-endian); a hit is verified against them.
CREATE TABLE prefix_states (
    id                INTEGER PRIMARY KEY,
    model_fingerprint TEXT NOT NULL REFERENCES models(fingerprint),
    token_count       INTEGER NOT NULL,
    token_hash        TEXT NOT NULL,        -- XXH3-128 of the token bytes, 32 hex digits
    tokens            BLOB NOT NULL,
    snapshot_id       INTEGER NOT NULL REFERENCES snapshots(id),
    last_used         INTEGER NOT NULL,     -- Unix ms; the least recently used go first
    UNIQUE (model_fingerprint, token_count, token_hash)
);
CREATE INDEX prefix_states_by_snapshot ON prefix_states(snapshot_id);
CREATE INDEX prefix_states_by_last_use ON prefix_states(last_used);
