export * from './errors.js';
export * from './job.js';
export * from './logs.js';
export * from './system.js';
export * from './methods.js';
export * from './validate.js';
export * from './openrpc.js';
export * from './present.js';
