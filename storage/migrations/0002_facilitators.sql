-- 0002: the facilitator directory (profiles from the roster) and absences.

CREATE TABLE facilitators (
    matrix_id              TEXT PRIMARY KEY,
    display_name           TEXT NOT NULL DEFAULT '',
    site                   TEXT,
    region                 TEXT,
    directorate            TEXT,
    cohort                 INTEGER,
    -- Formats from the parse vocabulary, ';'-joined (`atelier;seminaire`).
    skills                 TEXT NOT NULL DEFAULT '',
    languages              TEXT NOT NULL DEFAULT '',
    remote_ok              INTEGER NOT NULL DEFAULT 0 CHECK (remote_ok IN (0, 1)),
    -- NULL: no monthly cap.
    max_missions_per_month INTEGER CHECK (max_missions_per_month >= 0),
    active                 INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    timezone               TEXT,
    created_at             TEXT NOT NULL,
    updated_at             TEXT NOT NULL
);
-- Matching narrows by place first: these keep the prefilter off a full scan.
CREATE INDEX facilitators_active_site ON facilitators (active, site);
CREATE INDEX facilitators_active_region ON facilitators (active, region);
CREATE INDEX facilitators_active_remote ON facilitators (active, remote_ok);

CREATE TABLE absences (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    matrix_id  TEXT NOT NULL REFERENCES facilitators (matrix_id) ON DELETE CASCADE,
    start_date TEXT NOT NULL,
    end_date   TEXT NOT NULL,
    CHECK (start_date <= end_date)
);
CREATE INDEX absences_person ON absences (matrix_id, start_date);
