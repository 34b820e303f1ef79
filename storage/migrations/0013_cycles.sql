-- 0013: requests held on several sessions, the facilitator who leads a mission,
-- and those waiting in reserve for a place.
CREATE TABLE request_sessions (
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    number     INTEGER NOT NULL,
    day        TEXT NOT NULL,
    start_time TEXT,
    end_time   TEXT,
    cancelled  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (request_id, number)
);

ALTER TABLE requests ADD COLUMN lead TEXT;

-- First in line first (`position`); `attente` while waiting, then promoted into a
-- place (`promue`), released when the event is past or cancelled (`liberee`),
-- or given up (`desistee`).
CREATE TABLE reserves (
    request_id  INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    facilitator TEXT NOT NULL,
    position    INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('attente', 'promue', 'liberee', 'desistee')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (request_id, facilitator)
);
CREATE INDEX reserves_waiting ON reserves (request_id, state, position);
