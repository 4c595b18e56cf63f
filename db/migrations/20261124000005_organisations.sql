-- migrate:up
-- The organisations module: teams, named by a slug that never changes.
CREATE TABLE organisations (
  id         uuid           PRIMARY KEY,
  slug       text           NOT NULL UNIQUE,
  name       text           NOT NULL,
  created_at timestamptz(3) NOT NULL,
  version    integer        NOT NULL
);

-- Listed by slug in byte order (keyset pages seek on it).
CREATE INDEX organisations_slug_c_idx ON organisations (slug COLLATE "C");

-- Memberships. `user_id` is auth's user, deliberately without a foreign key: modules own their tables,
-- and a deleted user's memberships are removed by the module's subscriber to auth's UserDeleted.
-- `access_key` is kept with it (auth never changes one) so members list without reading auth's tables.
CREATE TABLE organisation_members (
  organisation_id uuid           NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
  user_id         uuid           NOT NULL,
  access_key      text           NOT NULL,
  joined_at       timestamptz(3) NOT NULL,
  PRIMARY KEY (organisation_id, user_id)
);

-- An organisation's members in join order, ties broken by user; and a user's memberships.
CREATE INDEX organisation_members_joined_idx ON organisation_members (organisation_id, joined_at, user_id);
CREATE INDEX organisation_members_user_id_idx ON organisation_members (user_id);

-- The module's entries in the permission catalogue (organisations/domain/Permissions.ts lists the
-- same): every action, and conditional grants scoped by slug.
INSERT INTO permissions (resource, action, is_conditional)
SELECT 'organisation', a.action, false
FROM (VALUES ('LIST'), ('GET'), ('CREATE'), ('UPDATE'), ('DELETE')) AS a (action);

INSERT INTO permissions (resource, action, is_conditional)
SELECT 'organisation', a.action, true
FROM (VALUES ('LIST'), ('GET'), ('UPDATE'), ('DELETE')) AS a (action);

-- The administrator role holds the whole catalogue (auth/Bootstrap.ts), also on a database
-- bootstrapped before this module existed. A new version, as for any change to a role.
INSERT INTO role_permissions (role_id, resource, action, is_conditional, scope)
SELECT r.id, 'organisation', a.action, false, '{}'
FROM roles r
CROSS JOIN (VALUES ('LIST'), ('GET'), ('CREATE'), ('UPDATE'), ('DELETE')) AS a (action)
WHERE r.code = 'admin'
ON CONFLICT DO NOTHING;

UPDATE roles SET version = version + 1 WHERE code = 'admin';

-- migrate:down
DELETE FROM user_permissions WHERE resource = 'organisation';
DELETE FROM role_permissions WHERE resource = 'organisation';
DELETE FROM permissions WHERE resource = 'organisation';
DROP TABLE organisation_members;
DROP TABLE organisations;
