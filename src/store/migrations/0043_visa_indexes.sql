-- Lookups the visa services make on every issuance and submission, which
-- without these indexes scanned whole tables (so each visa cost more as the
-- registry grew): a visa's history (visa_event by visa_id, in order) and an
-- applicant's earlier visas (visa by person_id, read by the screening).
CREATE INDEX visa_event_visa ON visa_event(visa_id, seq);
CREATE INDEX visa_person_id ON visa(person_id);
