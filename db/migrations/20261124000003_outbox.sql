-- migrate:up
-- The transactional outbox: every event, stored in its command's transaction. `seq` orders them;
-- `published_at` is set by the relay once the external bus has stored the event.
CREATE TABLE outbox (
  seq          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id           uuid        NOT NULL UNIQUE,
  type         text        NOT NULL,
  payload      jsonb       NOT NULL,
  occurred_at  timestamptz NOT NULL,
  published_at timestamptz
);

CREATE INDEX outbox_unpublished_idx ON outbox (seq) WHERE published_at IS NULL;

-- Work for subscribers: one row per (subscriber, event) until handled. Made with the event for the
-- server's own subscribers, or by a worker that parks an event it could not handle.
CREATE TABLE event_deliveries (
  subscriber      text        NOT NULL,
  event_id        uuid        NOT NULL REFERENCES outbox (id),
  attempts        integer     NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error      text,
  parked_at       timestamptz,
  PRIMARY KEY (subscriber, event_id)
);

CREATE INDEX event_deliveries_due_idx ON event_deliveries (next_attempt_at) WHERE parked_at IS NULL;

-- What each subscriber has handled: a redelivered event is a no-op.
CREATE TABLE event_inbox (
  subscriber text        NOT NULL,
  event_id   uuid        NOT NULL,
  handled_at timestamptz NOT NULL,
  PRIMARY KEY (subscriber, event_id)
);

-- migrate:down
DROP TABLE event_inbox;
DROP TABLE event_deliveries;
DROP TABLE outbox;
