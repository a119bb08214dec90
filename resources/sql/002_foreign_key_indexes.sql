-- Schema 2: indexes on the child side of every foreign key. Without them each delete of a
-- conversation, message or snapshot scans the whole child table (SQLite checks and cascades
-- foreign keys by searching the child columns), and walking a branch scans all messages.
CREATE INDEX messages_by_conversation ON messages(conversation_id);
CREATE INDEX messages_by_parent ON messages(parent_id);
CREATE INDEX conversations_by_current_message ON conversations(current_message_id);
CREATE INDEX snapshots_by_message ON snapshots(message_id);
CREATE INDEX snapshots_by_model ON snapshots(model_fingerprint);
CREATE INDEX documents_by_snapshot ON documents(snapshot_id);
CREATE INDEX documents_by_model ON documents(model_fingerprint);
