-- 0007: two lanes in the outbox. Answers to someone waiting in the chat
-- (lane 0) go before fan-out (lane 1: pings, notices, reminders, files), so
-- a burst of pings never holds back the acknowledgment of the next request.
-- Each lane keeps its own order; an edit is fan-out, sent after its original.

ALTER TABLE outbox ADD COLUMN lane INTEGER NOT NULL DEFAULT 1 CHECK (lane IN (0, 1));

DROP INDEX outbox_pending;
CREATE INDEX outbox_pending ON outbox (state, lane, seq);
