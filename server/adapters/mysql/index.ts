// The MySQL/MariaDB adapter: pool, migrations, and the JobStore/TokenStore ports.
export { createMysqlPool, type MysqlPoolOptions } from './pool.js';
export { runMigrations, listMigrations, type MigrationOptions } from './migrations.js';
export { createJobStore, type JobStoreDeps, type JobStoreOptions } from './job-store.js';
export { createTokenStore, type TokenStoreDeps, type TokenStoreOptions } from './token-store.js';
export { parseMysqlUrl, withDatabase, type MysqlUrlParts } from './url.js';
