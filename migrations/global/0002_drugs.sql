-- Drug reference data (drug service). Text columns keep the Korean label text;
-- *_en columns are filled for the bundled seed set and NULL for imported items.
CREATE TABLE drugs (
    id               BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    slug             VARCHAR(120)    NOT NULL,
    item_seq         VARCHAR(32)     NULL,
    name_ko          VARCHAR(255)    NOT NULL,
    name_en          VARCHAR(255)    NULL,
    company          VARCHAR(255)    NULL,
    kind             ENUM('otc', 'prescription', 'unknown') NOT NULL DEFAULT 'unknown',
    aliases          TEXT            NULL,
    efficacy_ko      TEXT            NULL,
    efficacy_en      TEXT            NULL,
    usage_ko         TEXT            NULL,
    usage_en         TEXT            NULL,
    warnings_ko      TEXT            NULL,
    warnings_en      TEXT            NULL,
    precautions_ko   TEXT            NULL,
    interactions_ko  TEXT            NULL,
    side_effects_ko  TEXT            NULL,
    side_effects_en  TEXT            NULL,
    storage_ko       TEXT            NULL,
    storage_en       TEXT            NULL,
    source           VARCHAR(255)    NOT NULL,
    -- Lower-cased names, aliases and ingredient names: what name search scans.
    search_names     TEXT            NOT NULL,
    created_at       TIMESTAMP(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at       TIMESTAMP(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY drugs_slug (slug),
    UNIQUE KEY drugs_item_seq (item_seq),
    KEY drugs_name_ko (name_ko),
    KEY drugs_name_en (name_en)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE ingredients (
    id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    slug       VARCHAR(120)    NOT NULL,
    name_ko    VARCHAR(255)    NOT NULL,
    name_en    VARCHAR(255)    NOT NULL,
    class      VARCHAR(80)     NULL,
    PRIMARY KEY (id),
    UNIQUE KEY ingredients_slug (slug),
    KEY ingredients_name_ko (name_ko),
    KEY ingredients_name_en (name_en)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE drug_ingredients (
    drug_id        BIGINT UNSIGNED NOT NULL,
    ingredient_id  BIGINT UNSIGNED NOT NULL,
    amount         VARCHAR(80)     NULL,
    position       SMALLINT UNSIGNED NOT NULL DEFAULT 0,
    PRIMARY KEY (drug_id, ingredient_id),
    KEY drug_ingredients_ingredient (ingredient_id),
    CONSTRAINT fk_drug_ingredients_drug FOREIGN KEY (drug_id) REFERENCES drugs (id) ON DELETE CASCADE,
    CONSTRAINT fk_drug_ingredients_ingredient FOREIGN KEY (ingredient_id) REFERENCES ingredients (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Interactions are between ingredients, stored once per pair with
-- ingredient_a_id < ingredient_b_id so a lookup never needs both orders.
CREATE TABLE ingredient_interactions (
    ingredient_a_id  BIGINT UNSIGNED NOT NULL,
    ingredient_b_id  BIGINT UNSIGNED NOT NULL,
    severity         ENUM('major', 'moderate', 'minor') NOT NULL,
    description_ko   TEXT            NOT NULL,
    description_en   TEXT            NOT NULL,
    PRIMARY KEY (ingredient_a_id, ingredient_b_id),
    KEY ingredient_interactions_b (ingredient_b_id),
    CONSTRAINT fk_interactions_a FOREIGN KEY (ingredient_a_id) REFERENCES ingredients (id) ON DELETE CASCADE,
    CONSTRAINT fk_interactions_b FOREIGN KEY (ingredient_b_id) REFERENCES ingredients (id) ON DELETE CASCADE,
    CONSTRAINT interactions_ordered CHECK (ingredient_a_id < ingredient_b_id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
