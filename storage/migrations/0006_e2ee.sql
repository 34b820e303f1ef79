-- 0006: messages the bot could not decrypt yet, kept until their room key comes.

-- `source` is the event as received: ciphertext only, never decrypted text.
-- A row lives while its event waits: it is deleted once the event is
-- decrypted (and handled), or when it is too old to hope for its key. Its
-- sender is told once when the key is late (`notified_at`); the event is
-- still handled if the key comes after that.
CREATE TABLE undecryptable_events (
    event_id    TEXT PRIMARY KEY,
    room_id     TEXT NOT NULL,
    room_kind   TEXT NOT NULL,
    sender      TEXT NOT NULL,
    session_id  TEXT NOT NULL,
    source      TEXT NOT NULL,
    received_at TEXT NOT NULL,
    notified_at TEXT
);
CREATE INDEX undecryptable_session ON undecryptable_events (session_id);
CREATE INDEX undecryptable_sender ON undecryptable_events (sender);
