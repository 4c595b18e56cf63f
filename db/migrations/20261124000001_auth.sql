-- migrate:up
-- The permission catalogue: what can be granted. Its natural key is the grant itself.
CREATE TABLE permissions (
  resource       text    NOT NULL,
  action         text    NOT NULL CHECK (action IN ('LIST', 'GET', 'CREATE', 'UPDATE', 'DELETE')),
  is_conditional boolean NOT NULL,
  PRIMARY KEY (resource, action, is_conditional)
);

INSERT INTO permissions (resource, action, is_conditional)
SELECT r.resource, a.action, false
FROM (VALUES ('user'), ('role'), ('permission')) AS r (resource)
CROSS JOIN (VALUES ('LIST'), ('GET'), ('CREATE'), ('UPDATE'), ('DELETE')) AS a (action);

-- Conditional grants (limited to selected instances) make sense only where there are instances to select.
INSERT INTO permissions (resource, action, is_conditional)
SELECT r.resource, a.action, true
FROM (VALUES ('user'), ('role')) AS r (resource)
CROSS JOIN (VALUES ('LIST'), ('GET'), ('UPDATE'), ('DELETE')) AS a (action);

CREATE TABLE roles (
  id         uuid        PRIMARY KEY,
  code       text        NOT NULL UNIQUE,
  name       text        NOT NULL,
  created_at timestamptz NOT NULL,
  version    integer     NOT NULL
);

CREATE TABLE role_permissions (
  role_id        uuid    NOT NULL REFERENCES roles (id) ON DELETE CASCADE,
  resource       text    NOT NULL,
  action         text    NOT NULL,
  is_conditional boolean NOT NULL,
  PRIMARY KEY (role_id, resource, action, is_conditional),
  FOREIGN KEY (resource, action, is_conditional) REFERENCES permissions (resource, action, is_conditional)
);

CREATE TABLE users (
  id                  uuid        PRIMARY KEY,
  access_key          text        NOT NULL UNIQUE,
  email               text        NOT NULL,
  name                text        NOT NULL,
  password_hash       text        NOT NULL,
  role_id             uuid        REFERENCES roles (id),
  created_at          timestamptz NOT NULL,
  password_changed_at timestamptz NOT NULL,
  version             integer     NOT NULL
);

CREATE INDEX users_role_id_idx ON users (role_id);

CREATE TABLE user_permissions (
  user_id        uuid    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  resource       text    NOT NULL,
  action         text    NOT NULL,
  is_conditional boolean NOT NULL,
  PRIMARY KEY (user_id, resource, action, is_conditional),
  FOREIGN KEY (resource, action, is_conditional) REFERENCES permissions (resource, action, is_conditional)
);

-- Reset tokens are stored only as a SHA-256 hash of the random secret sent by e-mail.
CREATE TABLE password_reset_tokens (
  token_hash text        PRIMARY KEY,
  user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  issued_at  timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at    timestamptz
);

CREATE INDEX password_reset_tokens_user_id_idx ON password_reset_tokens (user_id);

-- migrate:down
DROP TABLE password_reset_tokens;
DROP TABLE user_permissions;
DROP TABLE users;
DROP TABLE role_permissions;
DROP TABLE roles;
DROP TABLE permissions;
