-- Reaching a job's ports (contract v1.1): the container TCP ports the server proxies, and the job's
-- bridge address while it runs (NULL otherwise). ports NULL (rows from before this migration) reads
-- as none. VARCHAR(45) holds any IPv6 text form. One statement, so a failure leaves nothing half-done.
ALTER TABLE jobs
  ADD COLUMN ports JSON NULL,
  ADD COLUMN ip VARCHAR(45) CHARACTER SET ascii COLLATE ascii_bin NULL;
