-- 0010: the language each person is answered in, and what the bot is waiting
-- for someone to confirm.
-- `chosen` is 1 when the person set it (`!langue en`); otherwise it follows the
-- language they last wrote in.
CREATE TABLE languages (
    user_id TEXT PRIMARY KEY,
    lang TEXT NOT NULL,
    chosen INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT NOT NULL
);

-- A question the bot asked (« Vous voulez annuler la demande #3 ? ») and the
-- action a « oui » from that person, in that place, carries out.
CREATE TABLE confirmations (
    user_id TEXT NOT NULL,
    place TEXT NOT NULL,
    action TEXT NOT NULL,
    request_id INTEGER NOT NULL,
    asked_at TEXT NOT NULL,
    PRIMARY KEY (user_id, place)
);
