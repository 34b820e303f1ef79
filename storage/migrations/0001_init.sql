-- 0001: requests, handled events, bot state, the outbox and DM rooms.

CREATE TABLE requests (
    id                  INTEGER PRIMARY KEY AUTOINCREMENT,
    source_event_id     TEXT NOT NULL UNIQUE,
    room_id             TEXT NOT NULL,
    thread_root         TEXT NOT NULL,
    requester           TEXT NOT NULL,
    text                TEXT NOT NULL,
    state               TEXT NOT NULL DEFAULT 'ouverte',
    event_date          TEXT,
    start_time          TEXT,
    end_time            TEXT,
    duration_minutes    INTEGER,
    facilitators_needed INTEGER NOT NULL DEFAULT 1 CHECK (facilitators_needed >= 1),
    format              TEXT,
    modality            TEXT,
    location            TEXT,
    participants        INTEGER,
    directorate         TEXT,
    topic               TEXT,
    card_key            TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL
);
CREATE INDEX requests_thread ON requests (room_id, thread_root);
CREATE INDEX requests_state_date ON requests (state, event_date);
CREATE INDEX requests_requester ON requests (requester);

-- Every Matrix event the bot has acted on, written in the same transaction
-- as the event's effects: a redelivered event is recognised and skipped.
CREATE TABLE handled_events (
    event_id   TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL,
    outcome    TEXT NOT NULL,
    handled_at TEXT NOT NULL
);

CREATE TABLE bot_state (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- Messages to send, written with the state change that causes them and
-- sent afterwards; `txn_id` is derived from what the message is about.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    txn_id       TEXT NOT NULL UNIQUE,
    key          TEXT NOT NULL,
    room_id      TEXT,
    dm_user      TEXT,
    event_type   TEXT NOT NULL,
    content      TEXT NOT NULL,
    replaces_key TEXT,
    state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    event_id     TEXT,
    created_at   TEXT NOT NULL,
    sent_at      TEXT,
    CHECK (room_id IS NOT NULL OR dm_user IS NOT NULL)
);
CREATE INDEX outbox_pending ON outbox (state, seq);
CREATE INDEX outbox_key ON outbox (key);

CREATE TABLE dm_rooms (
    user_id    TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
