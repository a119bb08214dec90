-- Schema 6: a message may be a document read into a conversation's state ("Chat about this
-- document", "Read into this chat"): role 'document', content the document's name and
-- token_count the tokens the model read (NULL for every other message). The document's text is
-- not kept, so such a message's state is never pruned and cannot be rebuilt by replay.
-- SQLite cannot change a CHECK constraint in place, so the table is rebuilt with the same ids
-- (SQLite's documented procedure: the migration runner turns foreign keys off around it and
-- checks them before committing). The view over it goes first and comes back after, the
-- indexes and search triggers that went with the old table are made again.
DROP VIEW chat_messages;

CREATE TABLE messages_new (
    id              INTEGER PRIMARY KEY,
    conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    parent_id       INTEGER REFERENCES messages(id) ON DELETE CASCADE,
    role            TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'document')),
    content         TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    token_count     INTEGER
);
INSERT INTO messages_new (id, conversation_id, parent_id, role, content, created_at)
    SELECT id, conversation_id, parent_id, role, content, created_at FROM messages;
DROP TABLE messages;
ALTER TABLE messages_new RENAME TO messages;

CREATE INDEX messages_by_conversation ON messages(conversation_id);
CREATE INDEX messages_by_parent ON messages(parent_id);

-- Search keeps indexing every message but the system root; a document message is found by its
-- name. The index's rowids are the kept message ids, so it stays valid as it is.
CREATE VIEW chat_messages AS SELECT id, content FROM messages WHERE role != 'system';
CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.role != 'system' BEGIN
    INSERT INTO message_search (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN old.role != 'system' BEGIN
    INSERT INTO message_search (message_search, rowid, content) VALUES ('delete', old.id, old.content);
END;
CREATE TRIGGER message_search_update AFTER UPDATE OF content, role ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, content)
        SELECT 'delete', old.id, old.content WHERE old.role != 'system';
    INSERT INTO message_search (rowid, content) SELECT new.id, new.content WHERE new.role != 'system';
END;
