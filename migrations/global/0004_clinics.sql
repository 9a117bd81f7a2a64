-- Hospitals and clinics (clinic service): the bundled seed set (source_id
-- NULL) and the national hospital list of the health-insurance review agency
-- (HIRA, source_id = its 암호화요양기호).
CREATE TABLE clinics (
    id              BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
    slug            VARCHAR(120)    NOT NULL,
    -- HIRA's encrypted facility code (암호화요양기호); NULL for seed rows.
    source_id       VARCHAR(200)    NULL,
    name            VARCHAR(255)    NOT NULL,
    type            ENUM('tertiary', 'general', 'hospital', 'clinic', 'dental', 'oriental') NOT NULL,
    address         VARCHAR(500)    NOT NULL,
    -- Full official names, e.g. 서울특별시 / 강남구.
    sido            VARCHAR(40)     NOT NULL,
    sigungu         VARCHAR(60)     NOT NULL,
    -- WGS84 degrees.
    lat             DOUBLE          NOT NULL,
    lon             DOUBLE          NOT NULL,
    phone           VARCHAR(40)     NULL,
    website         VARCHAR(500)    NULL,
    emergency_room  BOOLEAN         NOT NULL DEFAULT FALSE,
    -- A fictional demonstration entry (name ends in "(샘플)").
    sample          BOOLEAN         NOT NULL DEFAULT FALSE,
    hours_verified  BOOLEAN         NOT NULL DEFAULT FALSE,
    -- Lower-cased name, address and region: what text search scans.
    search_text     TEXT            NOT NULL,
    created_at      TIMESTAMP(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
    updated_at      TIMESTAMP(3)    NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
    PRIMARY KEY (id),
    UNIQUE KEY clinics_slug (slug),
    UNIQUE KEY clinics_source_id (source_id),
    -- Nearby search: a bounding box on (lat, lon) before the exact distance.
    KEY clinics_lat_lon (lat, lon),
    KEY clinics_region (sido, sigungu),
    KEY clinics_type (type)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Departments by the service's slugs (clinic::load::DEPARTMENTS).
CREATE TABLE clinic_departments (
    clinic_id   BIGINT UNSIGNED NOT NULL,
    department  VARCHAR(40)     NOT NULL,
    PRIMARY KEY (clinic_id, department),
    KEY clinic_departments_department (department),
    CONSTRAINT fk_clinic_departments FOREIGN KEY (clinic_id) REFERENCES clinics (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;

-- Opening hours: one row per open interval, minutes from midnight, Korea time.
-- `holiday` rows apply on Korean public holidays instead of the weekday's.
-- A facility without any row has unknown hours (imported rows).
CREATE TABLE clinic_hours (
    clinic_id  BIGINT UNSIGNED   NOT NULL,
    day        ENUM('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'holiday') NOT NULL,
    open_min   SMALLINT UNSIGNED NOT NULL,
    close_min  SMALLINT UNSIGNED NOT NULL,
    KEY clinic_hours_clinic_day (clinic_id, day),
    CONSTRAINT fk_clinic_hours FOREIGN KEY (clinic_id) REFERENCES clinics (id) ON DELETE CASCADE,
    CONSTRAINT clinic_hours_interval CHECK (open_min < close_min AND close_min <= 1440)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci;
