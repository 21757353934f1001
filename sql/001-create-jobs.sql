-- Jobs: one row per job, every field of the protocol's Job.
-- Portable between MariaDB 10.11 and MySQL 8.0: JSON is a real type on MySQL and LONGTEXT with a
-- json_valid CHECK on MariaDB (the adapter reads both); utf8mb4_unicode_520_ci exists on both and,
-- unlike utf8mb4_unicode_ci, tells emoji apart. Times are DATETIME(3) holding UTC, written by the
-- adapter as explicit strings.
CREATE TABLE IF NOT EXISTS jobs (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  -- Unique without regard to case: "Web" and "web" would be too easy to confuse.
  name VARCHAR(63) NOT NULL,
  image VARCHAR(255) NOT NULL,
  cmd TEXT NULL,
  argv JSON NULL,
  -- Exactly what Docker gets (NanoCpus = cpus * 1e9); SUM() stays exact for quotas.
  cpus DECIMAL(13,9) NOT NULL,
  memory_mb INT UNSIGNED NOT NULL,
  io_weight SMALLINT UNSIGNED NOT NULL,
  pids_limit INT UNSIGNED NOT NULL,
  timeout_seconds INT UNSIGNED NOT NULL DEFAULT 0,
  env JSON NOT NULL,
  network VARCHAR(16) NOT NULL DEFAULT 'bridge',
  status VARCHAR(16) NOT NULL DEFAULT 'pending',
  reason TEXT NULL,
  exit_code INT NULL,
  owner VARCHAR(128) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  started_at DATETIME(3) NULL,
  finished_at DATETIME(3) NULL,
  container_id VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NULL,
  enforced JSON NULL,
  progress VARCHAR(255) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY jobs_name_unique (name),
  -- Newest-first listing (ORDER BY id DESC with id < cursor): per owner, per owner and status, per
  -- status (admin); the admin's unfiltered list walks the primary key. Substring search (LIKE
  -- '%x%') cannot use a B-tree: it filters while walking one of these in id order and stops at
  -- the page size.
  KEY jobs_owner_id (owner, id),
  KEY jobs_owner_status_id (owner, status, id),
  KEY jobs_status_id (status, id),
  CONSTRAINT jobs_status_check CHECK (status IN ('pending', 'running', 'exited', 'error')),
  CONSTRAINT jobs_network_check CHECK (network IN ('bridge', 'none'))
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_520_ci;
