-- The culture modules' roles (CULTURE.md section 0). A culture role that
-- acts for one venue, museum, organisation (BIN), expert or hub carries it
-- in scope; the module that owns the target checks it exists when the key
-- is created (apikey.Store.SetScopeTarget).

-- +goose Up
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN (
  'admin','pos','exhibitor','distributor','producer','rights_holder','analyst','tax','auditor',
  'venue','archivist','librarian','curator','ngo','applicant','fund_officer','expert','hub_operator'));
ALTER TABLE api_keys ADD COLUMN scope text;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_scope_check CHECK (
  (scope IS NOT NULL) = (role IN ('venue','curator','ngo','applicant','expert','hub_operator')));

-- +goose Down
ALTER TABLE api_keys DROP CONSTRAINT api_keys_scope_check;
ALTER TABLE api_keys DROP COLUMN scope;
ALTER TABLE api_keys DROP CONSTRAINT api_keys_role_check;
ALTER TABLE api_keys ADD CONSTRAINT api_keys_role_check CHECK (role IN (
  'admin','pos','exhibitor','distributor','producer','rights_holder','analyst','tax','auditor'));
