-- 0005: the schedule (reminders and other timed jobs), network events and
-- who attends them, and the feedback asked after a mission.

-- One row per timed job. The scheduler only wakes up at `due_at`; the row is
-- the truth: it moves from 'pending' to 'sent', 'skipped' or 'cancelled'
-- exactly once, in the transaction that also queues the job's messages.
CREATE TABLE jobs (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind       TEXT NOT NULL,                 -- mission_reminder, plenary_reminder, feedback, ...
    target     TEXT NOT NULL,                 -- what it is about: 'request:42', 'event:3'
    recipient  TEXT NOT NULL DEFAULT '',      -- a user id, or '' for a room
    offset_s   INTEGER NOT NULL DEFAULT 0,    -- the offset that placed it (seconds before/after)
    anchor_at  TEXT,                          -- the moment it was computed from (event start)
    due_at     TEXT NOT NULL,                 -- UTC ISO-8601
    expires_at TEXT,                          -- useless from then on (UTC ISO-8601)
    state      TEXT NOT NULL DEFAULT 'pending'
               CHECK (state IN ('pending', 'sent', 'skipped', 'cancelled')),
    payload    TEXT NOT NULL DEFAULT '{}',    -- JSON, for kinds that need more
    note       TEXT,                          -- why it was skipped or cancelled
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at    TEXT
);
CREATE INDEX jobs_pending_due ON jobs (state, due_at);
CREATE INDEX jobs_target ON jobs (target, kind);

CREATE TABLE network_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    title           TEXT NOT NULL,
    starts_at       TEXT NOT NULL,            -- UTC ISO-8601
    location        TEXT,
    state           TEXT NOT NULL DEFAULT 'prevu' CHECK (state IN ('prevu', 'annule')),
    created_by      TEXT NOT NULL,
    source_event_id TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX network_events_state_start ON network_events (state, starts_at);

CREATE TABLE event_attendees (
    event_id   INTEGER NOT NULL REFERENCES network_events (id) ON DELETE CASCADE,
    user_id    TEXT NOT NULL,
    via        TEXT NOT NULL,                 -- 'commande' or 'reaction'
    created_at TEXT NOT NULL,
    PRIMARY KEY (event_id, user_id)
);

-- After a mission: the requester's rating and comment, each facilitator's time spent.
CREATE TABLE mission_feedback (
    request_id     INTEGER NOT NULL REFERENCES requests (id) ON DELETE CASCADE,
    author         TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('requester', 'facilitator')),
    rating         INTEGER CHECK (rating BETWEEN 1 AND 5),
    comment        TEXT,
    minutes_spent  INTEGER CHECK (minutes_spent > 0),
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    PRIMARY KEY (request_id, author)
);

-- A reaction names the message it reacts to by event id: find the bot's own
-- message (a plenary reminder) without scanning the outbox.
CREATE INDEX outbox_event ON outbox (event_id);
