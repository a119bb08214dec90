-- Schema 1: models, conversations as trees of messages, state snapshots, documents.
-- Times are Unix milliseconds. Fingerprints and checksums are lower-case hex.

-- Weights that snapshots were computed with (design.md "Weights fingerprint").
CREATE TABLE models (
    fingerprint TEXT PRIMARY KEY,           -- XXH3-128 of the weights, 32 hex digits
    path        TEXT NOT NULL,              -- where the weights were last loaded from
    generation  TEXT NOT NULL,              -- "x070"
    n_layer     INTEGER NOT NULL,
    n_embd      INTEGER NOT NULL,
    n_head      INTEGER NOT NULL,
    head_size   INTEGER NOT NULL,
    vocab       INTEGER NOT NULL,
    first_seen  INTEGER NOT NULL,
    last_used   INTEGER NOT NULL
);

CREATE TABLE conversations (
    id          INTEGER PRIMARY KEY,
    title       TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    -- The message the conversation continues from (the tip of the selected branch).
    current_message_id INTEGER REFERENCES messages(id) ON DELETE SET NULL
);

-- A tree: parent_id is the previous message; siblings are branches.
CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id       INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    content         TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);

-- Per-conversation settings: system prompt and sampling parameters (JSON object).
CREATE TABLE conversation_settings (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
    system_prompt   TEXT NOT NULL DEFAULT '',
    sampling        TEXT NOT NULL DEFAULT '{}'
);

-- A model state after a message (message_id), under a user-chosen name (name), or owned by
-- a document (documents.snapshot_id). data = zstd(State::serialize()); byte_size and
-- checksum (XXH3-128) describe the uncompressed bytes.
CREATE TABLE snapshots (
    id                INTEGER PRIMARY KEY,
    message_id        INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    name              TEXT UNIQUE,
    model_fingerprint TEXT NOT NULL REFERENCES models(fingerprint),
    format_version    INTEGER NOT NULL,
    byte_size         INTEGER NOT NULL,
    checksum          TEXT NOT NULL,
    data              BLOB NOT NULL,
    created_at        INTEGER NOT NULL
);

-- A document read once: its state is a snapshot; each question starts from a copy of it.
CREATE TABLE documents (
    id                INTEGER PRIMARY KEY,
    name              TEXT NOT NULL,
    content_hash      TEXT NOT NULL,        -- XXH3-128 of the file bytes
    byte_size         INTEGER NOT NULL,
    token_count       INTEGER NOT NULL,
    model_fingerprint TEXT NOT NULL REFERENCES models(fingerprint),
    snapshot_id       INTEGER NOT NULL REFERENCES snapshots(id),
    created_at        INTEGER NOT NULL,
    UNIQUE (content_hash, model_fingerprint)
);
