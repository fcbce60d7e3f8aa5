-- Border reference data for offline posts (docs/internals/sync.md): crossing
-- points with their schedules and visa-free rules that existed before sync
-- are in the change log once, so a post's first pull gets them.
INSERT INTO sync_changelog (seq, type, record_id, at)
SELECT (SELECT COALESCE(MAX(seq), 0) FROM sync_changelog) + ROW_NUMBER() OVER (ORDER BY id),
       'crossing', id, created_at
FROM crossing_points c
WHERE NOT EXISTS (SELECT 1 FROM sync_changelog l WHERE l.type = 'crossing' AND l.record_id = c.id);
INSERT INTO sync_changelog (seq, type, record_id, at)
SELECT (SELECT COALESCE(MAX(seq), 0) FROM sync_changelog) + ROW_NUMBER() OVER (ORDER BY nationality),
       'visa_free', nationality, MAX(created_at)
FROM border_visa_free v
WHERE NOT EXISTS (SELECT 1 FROM sync_changelog l WHERE l.type = 'visa_free'
                  AND l.record_id = v.nationality)
GROUP BY nationality;
