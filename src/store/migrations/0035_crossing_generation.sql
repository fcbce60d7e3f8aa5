-- A counter every change to crossing_points or crossing_schedules increments
-- in its own transaction (src/app/crossings.c's writers and the sync's
-- crossing_apply), so a process may keep the crossings it has read in memory
-- and know, by reading this one row in the same snapshot as the rest of a
-- check, whether they are still the stored ones (another process, the CLI's
-- `ubur crossing schedule` or a second server, may have changed them). A
-- change made with SQL by hand, outside ubur, must increment it too.
CREATE TABLE crossing_generation (
    name TEXT PRIMARY KEY,
    generation INTEGER NOT NULL
);
INSERT INTO crossing_generation (name, generation) VALUES ('crossings', 0);
