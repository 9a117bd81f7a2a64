-- Signed-in users' conversations, archived durably from the Redis stream.
-- The message id is the key, so a turn delivered twice is stored once.
CREATE TABLE chat_messages (
    message_id  CHAR(36)     NOT NULL,
    user_id     CHAR(36)     NOT NULL,
    session_id  CHAR(36)     NOT NULL,
    role        ENUM('user', 'assistant') NOT NULL,
    text        MEDIUMTEXT   NOT NULL,
    created_at  BIGINT       NOT NULL,
    archived_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    PRIMARY KEY (message_id),
    KEY chat_messages_session (user_id, session_id, created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
