-- 0011: the craft made visible — attestations issued, and who left the roster.

-- One row per attestation issued (`!attestation`): its reference is printed on
-- the PDF, and the coordinators check it with `!attestation verifie`. After
-- `!oubliemoi` the row keeps its reference, year and totals, with the holder
-- pseudonymized and the name and directorate erased.
CREATE TABLE attestations (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    reference     TEXT NOT NULL UNIQUE,
    holder        TEXT NOT NULL,
    holder_name   TEXT,
    directorate   TEXT,
    year          INTEGER NOT NULL,
    missions      INTEGER NOT NULL,
    minutes       INTEGER NOT NULL,
    issued_by     TEXT NOT NULL,
    issued_at     TEXT NOT NULL
);
CREATE INDEX attestations_holder ON attestations (holder);

-- When a roster import stopped listing this person (NULL: listed, or never
-- came from the roster). They keep their history, but are no longer pinged
-- nor matched; `active` stays theirs (`!pause`).
ALTER TABLE facilitators ADD COLUMN left_at TEXT;
