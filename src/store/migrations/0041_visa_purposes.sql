-- The eight visa purposes with neutral rules: open to every nationality, no
-- fee, no automatic approval. Each state's administrators set their own
-- rules (`ubur visa purpose set`, PUT /api/v1/visa-purposes/{code}); the
-- demo carries Syria's rules for Iraqis.
INSERT INTO visa_purpose (code, name_en, name_ar, validity_days, max_entries, max_stay_days,
    required_documents, needs_hospital, needs_patient, max_escorts, extendable,
    max_extension_days, priority, mrz_format, updated_at) VALUES
    ('tourism', 'Tourism', 'سياحة', 90, 1, 30, '', 0, 0, 0, 0, 0, 0, 'A',
     '2024-01-01T00:00:00Z'),
    ('religious_tourism', 'Religious tourism', 'سياحة دينية', 90, 1, 30, '', 0, 0, 0, 0, 0, 0,
     'A', '2024-01-01T00:00:00Z'),
    ('medical', 'Medical treatment', 'علاج طبي', 90, 1, 30, 'medical_letter', 1, 0, 2, 1, 90,
     10, 'A', '2024-01-01T00:00:00Z'),
    ('medical_escort', 'Medical escort', 'مرافق مريض', 90, 1, 30, '', 0, 1, 0, 1, 90, 10, 'A',
     '2024-01-01T00:00:00Z'),
    ('official', 'Official visit (delegation)', 'زيارة رسمية', 30, 1, 14, 'delegation_letter',
     0, 0, 0, 1, 14, 20, 'A', '2024-01-01T00:00:00Z'),
    ('business', 'Business', 'أعمال', 180, 0, 30, 'invitation', 0, 0, 0, 0, 0, 0, 'A',
     '2024-01-01T00:00:00Z'),
    ('family_visit', 'Family visit', 'زيارة عائلية', 90, 1, 30, 'family_proof', 0, 0, 0, 0, 0,
     0, 'A', '2024-01-01T00:00:00Z'),
    ('transit', 'Transit', 'عبور', 15, 1, 3, 'onward_ticket', 0, 0, 0, 0, 0, 0, 'B',
     '2024-01-01T00:00:00Z');
