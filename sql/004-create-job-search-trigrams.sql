-- Substring search (job.list {search}) without scanning jobs: every 3-character window of a job's
-- name and image, one row each, written by the job store in the transaction that inserts the job
-- (name and image never change) and removed with the job by the foreign key. The adapter's
-- trigrams.ts explains the query. The collation is the jobs table's, so trigram = ? matches
-- without regard to case and accents exactly as LIKE on name/image does.
CREATE TABLE IF NOT EXISTS job_search_trigrams (
  trigram VARCHAR(3) NOT NULL,
  job_id BIGINT UNSIGNED NOT NULL,
  -- A trigram's jobs, newest first, are one range of this key.
  PRIMARY KEY (trigram, job_id),
  KEY job_search_trigrams_job (job_id),
  CONSTRAINT job_search_trigrams_job_fk FOREIGN KEY (job_id) REFERENCES jobs (id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_520_ci;

-- Backfill the jobs that exist. n runs 1..300 (name is at most 63 characters, image 255); UNION
-- removes duplicates under the column's collation, as the primary key counts them. Only jobs that
-- have no trigrams yet, so the statement can be re-run.
INSERT INTO job_search_trigrams (trigram, job_id)
SELECT SUBSTRING(j.name, n.n, 3), j.id
  FROM jobs j
  JOIN (SELECT a.d + 10 * b.d + 100 * c.d + 1 AS n
          FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a
         CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b
         CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2) c) n
    ON n.n <= CHAR_LENGTH(j.name) - 2
 WHERE NOT EXISTS (SELECT 1 FROM job_search_trigrams t WHERE t.job_id = j.id)
UNION
SELECT SUBSTRING(j.image, n.n, 3), j.id
  FROM jobs j
  JOIN (SELECT a.d + 10 * b.d + 100 * c.d + 1 AS n
          FROM (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) a
         CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) b
         CROSS JOIN (SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2) c) n
    ON n.n <= CHAR_LENGTH(j.image) - 2
 WHERE NOT EXISTS (SELECT 1 FROM job_search_trigrams t WHERE t.job_id = j.id);
