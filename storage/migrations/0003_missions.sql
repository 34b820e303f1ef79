-- 0003: who facilitates what, and the audit trail of every transition.

CREATE TABLE assignments (
    request_id  INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    facilitator TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('proposee', 'acceptee', 'refusee', 'desistee', 'retiree')),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (request_id, facilitator)
);
CREATE INDEX assignments_facilitator ON assignments (facilitator, state);
CREATE INDEX assignments_request_state ON assignments (request_id, state);

CREATE TABLE transitions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id  INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    facilitator TEXT,
    from_state  TEXT,
    to_state    TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL
);
CREATE INDEX transitions_request ON transitions (request_id, id);

-- Who was pinged for which request (never twice), and the ping's outbox key
-- so it can be edited when the request fills or is cancelled.
CREATE TABLE pings (
    request_id  INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    facilitator TEXT NOT NULL,
    round       INTEGER NOT NULL DEFAULT 1,
    outbox_key  TEXT NOT NULL,
    sent_at     TEXT NOT NULL,
    PRIMARY KEY (request_id, facilitator)
);
CREATE INDEX pings_facilitator ON pings (facilitator);

-- A file sent with a message (the .ics invitation): uploaded by the sender
-- just before the message, whose content then gets the file's address.
ALTER TABLE outbox ADD COLUMN attachment BLOB;
ALTER TABLE outbox ADD COLUMN attachment_name TEXT;
ALTER TABLE outbox ADD COLUMN attachment_type TEXT;
