-- The user directory: which shard holds each user's personal data.
-- Everything personal lives in the shard; this table only routes.
CREATE TABLE users (
    id          CHAR(36)          NOT NULL,
    email       VARCHAR(254)      NOT NULL,
    shard_id    SMALLINT UNSIGNED NOT NULL,
    status      ENUM('pending', 'active', 'deleting') NOT NULL DEFAULT 'pending',
    created_at  TIMESTAMP(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at  TIMESTAMP(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY users_email (email),
    KEY users_shard_status (shard_id, status)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
