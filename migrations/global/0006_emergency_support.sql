-- First-aid guides and emergency rooms (emergency-support service).
CREATE TABLE first_aid_guides (
    id           BIGINT UNSIGNED   NOT NULL AUTO_INCREMENT,
    slug         VARCHAR(120)      NOT NULL,
    title_ko     VARCHAR(255)      NOT NULL,
    title_en     VARCHAR(255)      NOT NULL,
    summary_ko   TEXT              NOT NULL,
    summary_en   TEXT              NOT NULL,
    call_119     BOOLEAN           NOT NULL,
    position     SMALLINT UNSIGNED NOT NULL,
    -- recognise, steps, do, dont, call_119_when, keywords, sources: JSON text.
    body         LONGTEXT          NOT NULL,
    search_text  TEXT              NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY first_aid_guides_slug (slug)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

CREATE TABLE guide_categories (
    guide_id  BIGINT UNSIGNED NOT NULL,
    category  VARCHAR(80)     NOT NULL,
    PRIMARY KEY (guide_id, category),
    KEY guide_categories_category (category),
    CONSTRAINT fk_guide_categories FOREIGN KEY (guide_id) REFERENCES first_aid_guides (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Emergency rooms, from the national emergency-room list (E-Gen) format.
CREATE TABLE emergency_rooms (
    id            BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    hpid          VARCHAR(20)     NOT NULL,
    name          VARCHAR(255)    NOT NULL,
    address       VARCHAR(500)    NOT NULL,
    phone         VARCHAR(40)     NULL,
    er_phone      VARCHAR(40)     NULL,
    center_level  VARCHAR(60)     NULL,
    lat           DOUBLE          NOT NULL,
    lon           DOUBLE          NOT NULL,
    PRIMARY KEY (id),
    UNIQUE KEY emergency_rooms_hpid (hpid),
    KEY emergency_rooms_lat_lon (lat, lon)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
