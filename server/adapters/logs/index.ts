export { createFileLogStore, type FileLogStoreDeps, type FileLogStoreOptions } from './file-log-store.js';
