// The swarm adapter's public face: a JobRuntime over a Docker Swarm manager.
export { createSwarmRuntime, type SwarmRuntimeDeps, type SwarmRuntimeOptions } from './runtime.js';
