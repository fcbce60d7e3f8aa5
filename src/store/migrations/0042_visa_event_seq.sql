-- Events of one application happen within the same millisecond (submission and
-- automatic approval): a per-application sequence orders them exactly.
ALTER TABLE visa_event ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
CREATE INDEX visa_event_seq ON visa_event(application_id, seq);
