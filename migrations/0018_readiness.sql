-- /readyz asks whether every embedded migration is applied through the
-- service's own pool (migrations.Missing), which acts as ecinema_app.

-- +goose Up
GRANT SELECT ON goose_db_version TO ecinema_app;

-- +goose Down
REVOKE SELECT ON goose_db_version FROM ecinema_app;
