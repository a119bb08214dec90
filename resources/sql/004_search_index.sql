-- Schema 4: full-text search (SQLite FTS5) over what a user wrote and read: the text of chat
-- messages (not the system root, whose prompt many conversations share), conversation titles
-- and document names. External-content indexes: the text stays in its own table once, the
-- index holds only the tokens, and snippet() reads the text back by rowid. Triggers keep each
-- index equal to its table (an external-content index is told the old text to delete it);
-- deleting a conversation cascades to its messages, whose delete trigger then runs.
-- Words are unicode61 tokens with diacritics folded (cafe finds café); prefix indexes of 1–6
-- characters make search-as-you-type prefixes read one list instead of merging every word that
-- starts with them (on 200 000 messages a common 6-letter prefix takes 0.2 ms instead of 20 ms
-- with them, for an index about a fifth larger; BENCHMARKS.md "Search").
CREATE VIEW chat_messages AS SELECT id, content FROM messages WHERE role != 'system';

CREATE VIRTUAL TABLE message_search USING fts5(
    content, content = 'chat_messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5 6');
CREATE VIRTUAL TABLE conversation_search USING fts5(
    title, content = 'conversations', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5 6');
CREATE VIRTUAL TABLE document_search USING fts5(
    name, content = 'documents', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '1 2 3 4 5 6');

CREATE TRIGGER message_search_insert AFTER INSERT ON messages WHEN new.role != 'system' BEGIN
    INSERT INTO message_search (rowid, content) VALUES (new.id, new.content);
END;
CREATE TRIGGER message_search_delete AFTER DELETE ON messages WHEN old.role != 'system' BEGIN
    INSERT INTO message_search (message_search, rowid, content) VALUES ('delete', old.id, old.content);
END;
-- One trigger for both halves, so the old text always leaves before the new one comes in.
CREATE TRIGGER message_search_update AFTER UPDATE OF content, role ON messages BEGIN
    INSERT INTO message_search (message_search, rowid, content)
        SELECT 'delete', old.id, old.content WHERE old.role != 'system';
    INSERT INTO message_search (rowid, content) SELECT new.id, new.content WHERE new.role != 'system';
END;

CREATE TRIGGER conversation_search_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_search (rowid, title) VALUES (new.id, new.title);
END;
CREATE TRIGGER conversation_search_delete AFTER DELETE ON conversations BEGIN
    INSERT INTO conversation_search (conversation_search, rowid, title) VALUES ('delete', old.id, old.title);
END;
CREATE TRIGGER conversation_search_update AFTER UPDATE OF title ON conversations BEGIN
    INSERT INTO conversation_search (conversation_search, rowid, title) VALUES ('delete', old.id, old.title);
    INSERT INTO conversation_search (rowid, title) VALUES (new.id, new.title);
END;

CREATE TRIGGER document_search_insert AFTER INSERT ON documents BEGIN
    INSERT INTO document_search (rowid, name) VALUES (new.id, new.name);
END;
CREATE TRIGGER document_search_delete AFTER DELETE ON documents BEGIN
    INSERT INTO document_search (document_search, rowid, name) VALUES ('delete', old.id, old.name);
END;
CREATE TRIGGER document_search_update AFTER UPDATE OF name ON documents BEGIN
    INSERT INTO document_search (document_search, rowid, name) VALUES ('delete', old.id, old.name);
    INSERT INTO document_search (rowid, name) VALUES (new.id, new.name);
END;

-- What an older database already holds.
INSERT INTO message_search (message_search) VALUES ('rebuild');
INSERT INTO conversation_search (conversation_search) VALUES ('rebuild');
INSERT INTO document_search (document_search) VALUES ('rebuild');
