-- Conditions of internal medicine and surgery (internal_external service).
-- List fields (symptoms, causes, advice, sources...) are kept as JSON text in
-- `details` (LONGTEXT, valid on MySQL 8 and MariaDB alike).
CREATE TABLE conditions (
    id           BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    slug         VARCHAR(120)    NOT NULL,
    name_ko      VARCHAR(255)    NOT NULL,
    name_en      VARCHAR(255)    NOT NULL,
    urgency      ENUM('emergency', 'urgent', 'routine', 'self_care') NOT NULL,
    summary_ko   TEXT            NOT NULL,
    summary_en   TEXT            NOT NULL,
    details      LONGTEXT        NOT NULL,
    -- Lower-cased names, aliases and symptoms: what text search scans.
    search_text  TEXT            NOT NULL,
    created_at   TIMESTAMP(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at   TIMESTAMP(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY conditions_slug (slug)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE condition_departments (
    condition_id  BIGINT UNSIGNED   NOT NULL,
    department    VARCHAR(40)       NOT NULL,
    position      SMALLINT UNSIGNED NOT NULL,
    PRIMARY KEY (condition_id, department),
    KEY condition_departments_department (department),
    CONSTRAINT fk_condition_departments FOREIGN KEY (condition_id) REFERENCES conditions (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE condition_categories (
    condition_id  BIGINT UNSIGNED NOT NULL,
    category      VARCHAR(80)     NOT NULL,
    PRIMARY KEY (condition_id, category),
    KEY condition_categories_category (category),
    CONSTRAINT fk_condition_categories FOREIGN KEY (condition_id) REFERENCES conditions (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Related drugs by the drug service's stable slug (not its numeric id, which
-- differs between databases).
CREATE TABLE condition_drugs (
    condition_id  BIGINT UNSIGNED NOT NULL,
    drug_slug     VARCHAR(120)    NOT NULL,
    PRIMARY KEY (condition_id, drug_slug),
    CONSTRAINT fk_condition_drugs FOREIGN KEY (condition_id) REFERENCES conditions (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
