-- Refugee and asylum-seeker registry (issue 7): locations, registration
-- groups, individuals with documents, specific needs and a history of
-- status / population type / location, and the population-statistics
-- summary tables kept in the same transaction as every change.
-- Dates are ISO 8601 'YYYY-MM-DD' text; see docs/internals/registry.md.

-- Places as a hierarchy: country > governorate > district or city > site.
-- `country` and `governorate_id` are denormalised from the ancestors so a
-- statistics query never walks the tree.
CREATE TABLE reg_location (
    id TEXT PRIMARY KEY,
    pcode TEXT NOT NULL UNIQUE,
    parent_id TEXT REFERENCES reg_location(id),
    level TEXT NOT NULL CHECK (level IN ('country', 'governorate', 'district', 'site')),
    country TEXT NOT NULL,
    governorate_id TEXT,
    name_en TEXT NOT NULL,
    name_ar TEXT,
    location_type TEXT NOT NULL DEFAULT 'V' CHECK (location_type IN ('C', 'U', 'R', 'V')),
    accommodation_type TEXT NOT NULL DEFAULT 'U'
        CHECK (accommodation_type IN ('I', 'P', 'S', 'C', 'R', 'U')),
    latitude REAL,
    longitude REAL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX reg_location_parent ON reg_location(parent_id);

-- Per-scope counters for human-readable numbers (SYR-2021-000123).
CREATE TABLE reg_counter (
    scope TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);

-- A registration group: a household or a case, with one focal point.
-- focal_point_id has no foreign key (the focal point is inserted after its
-- group); the application keeps it pointing at a member.
CREATE TABLE reg_group (
    id TEXT PRIMARY KEY,
    group_number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('household', 'case')),
    focal_point_id TEXT,
    location_id TEXT NOT NULL REFERENCES reg_location(id),
    registered_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- One person. population_type, location_id and status are the current
-- values; reg_history holds every value they ever had with its effective
-- date. stat_cell and band_next_on belong to the statistics summary
-- (docs/internals/registry.md): the cell the person is counted in and the
-- date of their next age-band change, NULL when not counted.
CREATE TABLE reg_individual (
    id TEXT PRIMARY KEY,
    individual_number TEXT NOT NULL UNIQUE,
    group_id TEXT NOT NULL REFERENCES reg_group(id),
    relationship TEXT NOT NULL,
    given_name_ar TEXT,
    father_name_ar TEXT,
    grandfather_name_ar TEXT,
    family_name_ar TEXT,
    given_name TEXT,
    father_name TEXT,
    grandfather_name TEXT,
    family_name TEXT,
    sex TEXT NOT NULL CHECK (sex IN ('F', 'M', 'X')),
    birth_date TEXT,
    birth_date_estimated INTEGER NOT NULL DEFAULT 0,
    origin TEXT NOT NULL,
    citizenship TEXT NOT NULL,
    population_type TEXT NOT NULL,
    location_id TEXT NOT NULL REFERENCES reg_location(id),
    status TEXT NOT NULL CHECK (status IN ('active', 'inactive', 'closed')),
    registered_on TEXT NOT NULL,
    returnee_on TEXT,
    merged_into TEXT,
    name_key TEXT,
    stat_cell INTEGER,
    band_next_on TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX reg_individual_group ON reg_individual(group_id);
CREATE INDEX reg_individual_name_key ON reg_individual(name_key);
CREATE INDEX reg_individual_band_next ON reg_individual(band_next_on) WHERE band_next_on IS NOT NULL;

-- Every (status, population type, location) an individual has had, from
-- its effective date; seq orders entries with the same date.
CREATE TABLE reg_history (
    individual_id TEXT NOT NULL REFERENCES reg_individual(id),
    seq INTEGER NOT NULL,
    effective_on TEXT NOT NULL,
    status TEXT NOT NULL,
    population_type TEXT NOT NULL,
    location_id TEXT NOT NULL,
    reason TEXT,
    recorded_at TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    PRIMARY KEY (individual_id, seq)
);

CREATE TABLE reg_document (
    id TEXT PRIMARY KEY,
    individual_id TEXT NOT NULL REFERENCES reg_individual(id),
    doc_type TEXT NOT NULL,
    number TEXT NOT NULL,
    issuing_country TEXT,
    issued_on TEXT,
    expires_on TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX reg_document_individual ON reg_document(individual_id);
CREATE INDEX reg_document_number ON reg_document(number);

CREATE TABLE reg_specific_need (
    individual_id TEXT NOT NULL REFERENCES reg_individual(id),
    code TEXT NOT NULL,
    detail TEXT,
    noted_on TEXT NOT NULL,
    PRIMARY KEY (individual_id, code)
);

-- Links between records an officer has judged: the same person (merged),
-- possibly the same, or confirmed different.
CREATE TABLE reg_link (
    individual_a TEXT NOT NULL REFERENCES reg_individual(id),
    individual_b TEXT NOT NULL REFERENCES reg_individual(id),
    kind TEXT NOT NULL CHECK (kind IN ('same_person', 'possible_duplicate', 'not_duplicate')),
    score REAL,
    decided_by TEXT NOT NULL,
    decided_at TEXT NOT NULL,
    PRIMARY KEY (individual_a, individual_b)
);

-- Population statistics (docs/internals/registry.md). A cell is one value
-- of every stored dimension but the age band; country, governorate, site
-- and location type come from the location.
CREATE TABLE reg_stat_cell (
    id INTEGER PRIMARY KEY,
    population_type TEXT NOT NULL,
    origin TEXT NOT NULL,
    location_id TEXT NOT NULL,
    sex TEXT NOT NULL,
    UNIQUE (population_type, origin, location_id, sex)
);
-- Net change of the count of (cell, band) on a day.
CREATE TABLE reg_stat_delta (
    day TEXT NOT NULL,
    cell_id INTEGER NOT NULL,
    band INTEGER NOT NULL,
    delta INTEGER NOT NULL,
    PRIMARY KEY (day, cell_id, band)
);
-- Counts as of reg_stat_state.rolled_through (the sum of every delta).
CREATE TABLE reg_stat_current (
    cell_id INTEGER NOT NULL,
    band INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (cell_id, band)
);
-- Counts as of the end of a checkpoint day (the sum of deltas up to it).
CREATE TABLE reg_stat_checkpoint_day (
    day TEXT PRIMARY KEY
);
CREATE TABLE reg_stat_checkpoint (
    day TEXT NOT NULL,
    cell_id INTEGER NOT NULL,
    band INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (day, cell_id, band)
);
CREATE TABLE reg_stat_state (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    rolled_through TEXT NOT NULL,
    rows_since_checkpoint INTEGER NOT NULL DEFAULT 0
);
INSERT INTO reg_stat_state (id, rolled_through, rows_since_checkpoint) VALUES (1, '1900-01-01', 0);
