-- migrate:up
-- A sign-in: the family of refresh tokens it hands out. Access tokens name their session (`sid`),
-- so revoking it (logout, a reused refresh token, a password change) ends them too. `expires_at`
-- follows the newest refresh token; expired sessions are deleted at their user's next sign-in.
CREATE TABLE sessions (
  id             uuid        PRIMARY KEY,
  user_id        uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at     timestamptz NOT NULL,
  expires_at     timestamptz NOT NULL,
  revoked_at     timestamptz,
  revoked_reason text        CHECK (revoked_reason IN ('logout', 'refresh-token-reused', 'password-changed')),
  CHECK ((revoked_at IS NULL) = (revoked_reason IS NULL))
);

CREATE INDEX sessions_user_id_idx ON sessions (user_id);

-- Refresh tokens, stored only as a SHA-256 hash of the random secret handed to the client. Spent
-- tokens stay (used_at set) until they expire, so a second use is recognised as theft.
CREATE TABLE refresh_tokens (
  token_hash text        PRIMARY KEY,
  session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
  issued_at  timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

CREATE INDEX refresh_tokens_session_id_idx ON refresh_tokens (session_id);

-- migrate:down
DROP TABLE refresh_tokens;
DROP TABLE sessions;
