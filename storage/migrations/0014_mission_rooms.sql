-- 0014: a room per mission, the mission's steps, and the referents' qualification.

-- The private room of a mission, wanted from its first acceptance. `room_id`
-- stays NULL until the outbox sender has created it (at the homeserver's
-- pace); messages for it wait in the outbox addressed to 'mission:<id>'.
CREATE TABLE mission_rooms (
    request_id INTEGER PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    room_id    TEXT UNIQUE,
    state      TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'closed', 'left')),
    name       TEXT NOT NULL,
    topic      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- What was done on a mission's steps, by whom and when: 'cadrage_prevu' (value:
-- the meeting, UTC ISO-8601), 'cadrage_fait' (value: notes), 'deroule' (a link
-- or a shared file), 'valide', 'restitution', and the scoping sheet's fields
-- ('fiche.objectif', 'fiche.participants', ...).
CREATE TABLE mission_facts (
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    name       TEXT NOT NULL,
    value      TEXT NOT NULL DEFAULT '',
    author     TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (request_id, name)
);

-- The facilitators' short debrief after the mission, kept for the network's record.
CREATE TABLE mission_debriefs (
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    author     TEXT NOT NULL,
    text       TEXT NOT NULL,
    at         TEXT NOT NULL,
    PRIMARY KEY (request_id, author)
);

-- Files shared in a mission room: `!deroule` in reply to one names it.
CREATE TABLE mission_files (
    event_id   TEXT PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    sender     TEXT NOT NULL,
    name       TEXT NOT NULL,
    at         TEXT NOT NULL
);

-- A request waiting for a referent of its region (or the coordinators) to
-- qualify it before facilitators are sought, and how that ended.
CREATE TABLE qualifications (
    request_id  INTEGER PRIMARY KEY REFERENCES requests (id) ON DELETE CASCADE,
    region      TEXT,
    state       TEXT NOT NULL CHECK (state IN ('a_qualifier', 'qualifiee', 'orientee')),
    referent    TEXT,
    text        TEXT,
    asked_at    TEXT NOT NULL,
    answered_at TEXT
);
CREATE INDEX qualifications_state ON qualifications (state);
