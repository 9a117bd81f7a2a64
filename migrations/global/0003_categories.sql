-- The category taxonomy (category service): the 19 medical departments (진료과)
-- and a two-level tree of body areas and symptom groups that patients browse.
-- Links to conditions, drugs and first-aid guides are kept by the target's
-- stable slug (numeric ids differ between databases) and resolved when read,
-- so a link may name a row its owning service has not loaded yet.

CREATE TABLE departments (
    slug            VARCHAR(40)       NOT NULL,
    -- National 진료과목코드 (e.g. `01` 내과), as in the hospital lists.
    code            VARCHAR(4)        NOT NULL,
    name_ko         VARCHAR(100)      NOT NULL,
    name_en         VARCHAR(100)      NOT NULL,
    description_ko  TEXT              NOT NULL,
    description_en  TEXT              NOT NULL,
    position        SMALLINT UNSIGNED NOT NULL,
    PRIMARY KEY (slug),
    -- Unique in practice (the loader checks); not a UNIQUE key so that the
    -- upsert by slug can never match another row by its code.
    KEY departments_code (code)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE categories (
    id              BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
    slug            VARCHAR(120)      NOT NULL,
    -- NULL for a top-level body area; its area for a symptom group.
    parent_id       BIGINT UNSIGNED   NULL,
    name_ko         VARCHAR(255)      NOT NULL,
    name_en         VARCHAR(255)      NOT NULL,
    description_ko  TEXT              NOT NULL,
    description_en  TEXT              NOT NULL,
    -- Order among siblings.
    position        SMALLINT UNSIGNED NOT NULL,
    created_at      TIMESTAMP(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at      TIMESTAMP(3)      NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY categories_slug (slug),
    KEY categories_parent_position (parent_id, position),
    CONSTRAINT fk_categories_parent FOREIGN KEY (parent_id) REFERENCES categories (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Departments to visit for a category, most relevant first.
CREATE TABLE category_departments (
    category_id  BIGINT UNSIGNED   NOT NULL,
    department   VARCHAR(40)       NOT NULL,
    position     SMALLINT UNSIGNED NOT NULL,
    PRIMARY KEY (category_id, department),
    KEY category_departments_department (department),
    CONSTRAINT fk_category_departments_category FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE CASCADE,
    CONSTRAINT fk_category_departments_department FOREIGN KEY (department) REFERENCES departments (slug)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Conditions (internal_external), drugs (drug) and first-aid guides
-- (emergency-support) related to a category, by slug, in display order.
CREATE TABLE category_links (
    category_id  BIGINT UNSIGNED   NOT NULL,
    kind         ENUM('condition', 'drug', 'guide') NOT NULL,
    target_slug  VARCHAR(120)      NOT NULL,
    position     SMALLINT UNSIGNED NOT NULL,
    PRIMARY KEY (category_id, kind, target_slug),
    KEY category_links_target (kind, target_slug),
    CONSTRAINT fk_category_links_category FOREIGN KEY (category_id) REFERENCES categories (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
