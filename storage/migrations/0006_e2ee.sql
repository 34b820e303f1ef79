-- 0006: messages the bot could not decrypt yet, kept until their room key comes.

-- `source` is the event as received: ciphertext only, never decrypted text.
-- An event leaves the waiting set when it is decrypted (`decrypted_at`);
-- its sender is told once when its key is late (`notified_at`), and it is
-- still handled if the key comes after that.
CREATE TABLE undecryptable_events (
    event_id     TEXT PRIMARY KEY,
    room_id      TEXT NOT NULL,
    room_kind    TEXT NOT NULL,
    sender       TEXT NOT NULL,
    session_id   TEXT NOT NULL,
    source       TEXT NOT NULL,
    received_at  TEXT NOT NULL,
    notified_at  TEXT,
    decrypted_at TEXT
);
CREATE INDEX undecryptable_waiting ON undecryptable_events (decrypted_at, session_id);
