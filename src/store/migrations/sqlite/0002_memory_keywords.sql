-- Keyword search over memories (Store::keyword_search_memories; docs/memory.md, "Recall"): an
-- FTS5 index of memories.content with external content, i.e. it keeps no copy of the text (it
-- reads the rows of memories by rowid) and the triggers below keep it in step with every insert,
-- change of content and delete (cascades included). Words are runs of letters and digits of any
-- script, case- and diacritic-folded (unicode61), never stemmed: the same for every language.
-- External content relies on memories' rowids staying put: they do (the store never runs VACUUM,
-- which keeps them anyway; the backup API copies pages). Should the index ever drift,
-- INSERT INTO memories_fts (memories_fts) VALUES ('rebuild') rebuilds it from the table.
CREATE VIRTUAL TABLE memories_fts USING fts5(
    content,
    content = 'memories',
    content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER memories_fts_after_insert AFTER INSERT ON memories BEGIN
    INSERT INTO memories_fts (rowid, content) VALUES (new.rowid, new.content);
END;

-- An external-content index forgets a row by being given the text it indexed.
CREATE TRIGGER memories_fts_after_delete AFTER DELETE ON memories BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
END;

CREATE TRIGGER memories_fts_after_update AFTER UPDATE OF content ON memories
WHEN old.content IS NOT new.content BEGIN
    INSERT INTO memories_fts (memories_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
    INSERT INTO memories_fts (rowid, content) VALUES (new.rowid, new.content);
END;

-- The memories written before this migration.
INSERT INTO memories_fts (memories_fts) VALUES ('rebuild');
