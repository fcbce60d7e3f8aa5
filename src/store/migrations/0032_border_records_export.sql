-- The exchange's movement export (src/app/exchange_types.c, movements_export)
-- reads one partner nationality's records in (recorded_at, id) order from a
-- cursor: without this index it scans every border record.
CREATE INDEX border_records_export ON border_records(nationality, recorded_at, id);
