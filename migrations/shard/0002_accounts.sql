-- Accounts: each user's personal data lives in the user's shard; the global
-- `users` directory only routes. Health fields hold JSON arrays as TEXT.
CREATE TABLE accounts (
    user_id             CHAR(36)          NOT NULL,
    email               VARCHAR(254)      NOT NULL,
    password_hash       VARCHAR(255)      NOT NULL,
    display_name        VARCHAR(200)      NOT NULL,
    birth_year          SMALLINT          NULL,
    sex                 ENUM('female', 'male') NULL,
    pregnant            BOOLEAN           NULL,
    allergies           TEXT              NOT NULL,
    medications         TEXT              NOT NULL,
    chronic_conditions  TEXT              NOT NULL,
    created_at          TIMESTAMP(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at          TIMESTAMP(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (user_id),
    KEY accounts_email (email)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Opaque refresh tokens, stored as the sha256 hex of the token. Tokens of one
-- login share a family: reusing a rotated token revokes the whole family.
CREATE TABLE refresh_tokens (
    id          CHAR(36)      NOT NULL,
    user_id     CHAR(36)      NOT NULL,
    family_id   CHAR(36)      NOT NULL,
    token_hash  CHAR(64)      NOT NULL,
    expires_at  DATETIME(3)   NOT NULL,
    used_at     DATETIME(3)   NULL,
    revoked_at  DATETIME(3)   NULL,
    created_at  TIMESTAMP(3)  NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY refresh_tokens_hash (token_hash),
    KEY refresh_tokens_user (user_id),
    KEY refresh_tokens_family (family_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
