-- Ratings of chatbot answers by signed-in users, with the exchange they
-- rate (for review through `medictl feedback export`). Anonymous feedback
-- stays with its session in Redis.
CREATE TABLE feedback (
    user_id      CHAR(36)     NOT NULL,
    message_id   CHAR(36)     NOT NULL,
    session_id   CHAR(36)     NOT NULL,
    rating       ENUM('up', 'down') NOT NULL,
    comment      TEXT         NULL,
    question     TEXT         NOT NULL,
    answer       MEDIUMTEXT   NOT NULL,
    citations    TEXT         NOT NULL,
    created_at   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at   TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (user_id, message_id),
    KEY feedback_created (created_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
