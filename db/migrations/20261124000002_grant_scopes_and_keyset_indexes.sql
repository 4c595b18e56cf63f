-- migrate:up
-- A conditional grant covers the instances its scope names (user access keys, role codes) or, with
-- '*', all of them; an unconditional grant has an empty scope. Existing conditional grants counted
-- for every instance before scopes existed, so they keep that meaning.
ALTER TABLE user_permissions ADD COLUMN scope text[] NOT NULL DEFAULT '{}';
ALTER TABLE role_permissions ADD COLUMN scope text[] NOT NULL DEFAULT '{}';
UPDATE user_permissions SET scope = '{*}' WHERE is_conditional;
UPDATE role_permissions SET scope = '{*}' WHERE is_conditional;
ALTER TABLE user_permissions ADD CONSTRAINT user_permissions_scope_check
  CHECK (CASE WHEN is_conditional THEN cardinality(scope) > 0 ELSE cardinality(scope) = 0 END);
ALTER TABLE role_permissions ADD CONSTRAINT role_permissions_scope_check
  CHECK (CASE WHEN is_conditional THEN cardinality(scope) > 0 ELSE cardinality(scope) = 0 END);

-- Keyset pages seek on the list's sort key: users by (created_at, id), roles by code in byte order.
-- A cursor carries created_at as a JavaScript date (milliseconds); the column keeps no finer
-- precision, so a row written by any other means (now(), an import) still seeks exactly.
ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz(3);
CREATE INDEX users_created_at_id_idx ON users (created_at, id);
CREATE INDEX roles_code_c_idx ON roles (code COLLATE "C");

-- migrate:down
DROP INDEX roles_code_c_idx;
DROP INDEX users_created_at_id_idx;
ALTER TABLE users ALTER COLUMN created_at TYPE timestamptz;
ALTER TABLE role_permissions DROP COLUMN scope;
ALTER TABLE user_permissions DROP COLUMN scope;
