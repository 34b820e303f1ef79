-- 0009: a request's conversation.
-- What is said about a request that changes none of its fields (« c'est en
-- salle 3034 », a link, the agenda) is kept for its facilitators.
CREATE TABLE request_notes (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    source_event_id TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
CREATE INDEX request_notes_request ON request_notes (request_id, id);
