-- Each shard records its own id once, so a reordered shard URL list is caught
-- at migrate and readiness time instead of silently mixing users' data.
CREATE TABLE shard_info (
    singleton   TINYINT UNSIGNED  NOT NULL DEFAULT 1,
    shard_id    SMALLINT UNSIGNED NOT NULL,
    created_at  TIMESTAMP(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (singleton),
    CONSTRAINT shard_info_singleton CHECK (singleton = 1)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
