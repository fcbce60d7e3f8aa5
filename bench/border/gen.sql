-- bench/border/gen.sql: fills a ubur database (migrated, with the demo's
-- crossing points) with 1,000,000 travellers, their documents, 10,000,000
-- past movements (5,000,000 closed stays, two records each) and the traffic
-- figures of those movements, directly in SQL. Run by bench/border/run.sh as
--   sqlite3 DB < gen.sql
-- Names are built from the lists below by the traveller's number n, the same
-- way bench/border/check_confirm.lua builds them, so the benchmark can check
-- known travellers: document K0000001.., nationality by n % 10 (0-5 SYR,
-- 6-8 IRQ, 9 LBN), birth date from n.
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA cache_size = -1048576;
PRAGMA temp_store = MEMORY;
PRAGMA foreign_keys = OFF;

CREATE TEMP TABLE given(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO given(i, name) VALUES
 (0,'MUHAMMAD'),(1,'AHMAD'),(2,'ALI'),(3,'HASAN'),(4,'HUSAYN'),(5,'OMAR'),(6,'KHALID'),(7,'YUSUF'),
 (8,'IBRAHIM'),(9,'MAHMOUD'),(10,'ABD AL-RAHMAN'),(11,'SALIM'),(12,'JASIM'),(13,'KARIM'),(14,'MUSTAFA'),
 (15,'HAMID'),(16,'FATIMA'),(17,'ZAYNAB'),(18,'MARYAM'),(19,'AISHA'),(20,'NOOR'),(21,'HUDA'),(22,'LAYLA'),
 (23,'SARA'),(24,'AMAL'),(25,'RANA'),(26,'SUAD'),(27,'KHADIJA'),(28,'TARIQ'),(29,'WALID'),(30,'SAMIR'),
 (31,'NABIL'),(32,'FAISAL'),(33,'ADNAN'),(34,'BASSAM'),(35,'RAMI'),(36,'ZIAD'),(37,'MAJID'),(38,'QASIM'),
 (39,'HAYDAR'),(40,'ABBAS'),(41,'JAFAR'),(42,'SAID'),(43,'AMIR'),(44,'RIYAD'),(45,'NASIR'),(46,'SALMA'),
 (47,'HANAN');
CREATE TEMP TABLE family(i INTEGER PRIMARY KEY, name TEXT);
INSERT INTO family(i, name) VALUES
 (0,'AL-HASHIMI'),(1,'AL-JUBURI'),(2,'AL-DULAIMI'),(3,'AL-ANI'),(4,'AL-OBEIDI'),(5,'AL-SHAMMARI'),
 (6,'HADDAD'),(7,'KHALIL'),(8,'AL-TIKRITI'),(9,'AL-MOSULI'),(10,'AL-RAWI'),(11,'AL-KHALIDI'),
 (12,'SULAYMAN'),(13,'AL-ZUBAIDI'),(14,'AL-HASSAN'),(15,'MAHMOUD'),(16,'AL-ATTAR'),(17,'NASSER'),
 (18,'AL-AHMAD'),(19,'AL-HUSSEINI'),(20,'AL-BAGHDADI'),(21,'AL-HALABI'),(22,'AL-SHAMI'),
 (23,'AL-DIMASHQI'),(24,'AL-HOMSI'),(25,'AL-KURDI'),(26,'BAKR'),(27,'OTHMAN'),(28,'AL-SAADI'),
 (29,'AL-KUBAISI'),(30,'AL-JANABI'),(31,'AL-MASHHADANI'),(32,'AL-SAMARRAI'),(33,'AL-NAJJAR'),
 (34,'AL-KHATIB'),(35,'DARWISH'),(36,'AL-QADRI'),(37,'AL-SABBAGH'),(38,'AL-FAYYAD'),(39,'AL-TAMIMI');

-- Travellers n = 1..1,000,000.
CREATE TEMP TABLE t AS
SELECT value AS n,
       printf('00000000-0000-7000-8000-%012x', value) AS id,
       printf('K%07d', value) AS doc,
       CASE WHEN value % 10 < 6 THEN 'SYR' WHEN value % 10 < 9 THEN 'IRQ' ELSE 'LBN' END AS nat,
       printf('19%02d-%02d-%02d', 40 + value % 60, 1 + value % 12, 1 + value % 28) AS birth
FROM generate_series(1, 1000000);

INSERT INTO travellers (id, surname, given_names, nationality, birth_date, sex, created_at)
SELECT t.id, f.name, g1.name || ' ' || g2.name, t.nat, t.birth,
       CASE WHEN (t.n % 48) BETWEEN 16 AND 27 OR t.n % 48 >= 46 THEN 'F' ELSE 'M' END,
       '2023-01-01T00:00:00Z'
FROM t JOIN given g1 ON g1.i = t.n % 48 JOIN given g2 ON g2.i = (t.n / 48) % 48
       JOIN family f ON f.i = (t.n / 2304) % 40;

INSERT INTO traveller_documents (document_number, nationality, traveller_id, birth_date, surname,
                                 given_names, document_code, issuing_state, expiry_date, created_at)
SELECT t.doc, t.nat, t.id, t.birth, tr.surname, tr.given_names, 'P', t.nat, '2035-01-01',
       '2023-01-01T00:00:00Z'
FROM t JOIN travellers tr ON tr.id = t.id;

-- Five closed stays per traveller, each an entry and an exit record: 10,000,000 records.
-- Stay k of traveller n: entered 2023-06-01 + 180k + n % 90 days, for 1 + n % 20 days,
-- at the Syrian side of pair n % 4.
DROP INDEX IF EXISTS border_records_traveller;
DROP INDEX IF EXISTS border_records_crossing;
DROP INDEX IF EXISTS border_records_at;
DROP INDEX IF EXISTS stays_traveller;
DROP INDEX IF EXISTS stays_overstay;

CREATE TEMP TABLE cx(i INTEGER PRIMARY KEY, id TEXT);
INSERT INTO cx VALUES (0, 'albukamal'), (1, 'yarubiyah'), (2, 'tanf'), (3, 'semalka');

CREATE TEMP TABLE s AS
SELECT t.n, t.id AS traveller_id, t.doc, t.nat, k.value AS k,
       date('2023-06-01', '+' || (180 * k.value + t.n % 90) || ' days') AS entry_date,
       date('2023-06-01', '+' || (180 * k.value + t.n % 90 + t.n % 20) || ' days') AS exit_date,
       (t.n % 20) + 1 AS days, cx.id AS crossing
FROM t JOIN generate_series(0, 4) k JOIN cx ON cx.i = t.n % 4;

INSERT INTO border_records (id, kind, direction, at, crossing_id, state, traveller_id, check_id,
                            document_number, nationality, proposed, decision, officer,
                            recorded_at)
SELECT printf('00000001-%04x-7000-8000-%012x', k * 2 + d.value, n),
       CASE d.value WHEN 0 THEN 'entry' ELSE 'exit' END,
       CASE d.value WHEN 0 THEN 'entry' ELSE 'exit' END,
       (CASE d.value WHEN 0 THEN entry_date ELSE exit_date END) ||
           printf('T%02d:%02d:00Z', 5 + n % 11, n % 60),
       crossing, 'SYR', traveller_id, NULL, doc, nat, 'admit', 'admit', 'bench',
       '2023-01-01T00:00:00Z'
FROM s JOIN generate_series(0, 1) d;

INSERT INTO stays (id, traveller_id, state, basis, entry_record_id, entry_crossing_id, entry_date,
                   authorised_until, exit_record_id, exit_crossing_id, exit_date, days_used,
                   overstay_days)
SELECT printf('00000002-%04x-7000-8000-%012x', k, n), traveller_id, 'SYR',
       CASE nat WHEN 'SYR' THEN 'national' ELSE 'visa_free' END,
       printf('00000001-%04x-7000-8000-%012x', k * 2, n), crossing, entry_date,
       CASE nat WHEN 'SYR' THEN NULL ELSE date(entry_date, '+89 days') END,
       printf('00000001-%04x-7000-8000-%012x', k * 2 + 1, n), crossing, exit_date, days, 0
FROM s;

INSERT INTO border_traffic (crossing_id, hour, direction, nationality, decision, crossings)
SELECT crossing_id, substr(at, 1, 13), direction, nationality, decision, COUNT(*)
FROM border_records WHERE officer = 'bench'
GROUP BY crossing_id, substr(at, 1, 13), direction, nationality, decision
ON CONFLICT (crossing_id, hour, direction, nationality, decision)
DO UPDATE SET crossings = border_traffic.crossings + excluded.crossings;

-- The same indexes as src/store/migrations/0030_border.sql (stays_traveller as 0033 made it),
-- built once after the load.
CREATE INDEX border_records_traveller ON border_records(traveller_id, at);
CREATE INDEX border_records_crossing ON border_records(crossing_id, at);
CREATE INDEX border_records_at ON border_records(at);
CREATE INDEX stays_traveller ON stays(traveller_id, state, entry_date, exit_date);
CREATE INDEX stays_overstay ON stays(exit_date, authorised_until);
ANALYZE;
PRAGMA journal_mode = WAL;
