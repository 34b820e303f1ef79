-- 0008: a request its author removed as a mistake (❌ on its card before anyone
-- accepted it). It stays for the audit trail, cancelled, but counts nowhere:
-- not in listings, not in the statistics.

ALTER TABLE requests ADD COLUMN discarded INTEGER NOT NULL DEFAULT 0 CHECK (discarded IN (0, 1));
