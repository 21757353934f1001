// The Docker adapter's public face: the JobRuntime factory and its options.
export { createDockerRuntime, type DockerRuntimeDeps, type DockerRuntimeOptions } from './runtime.js';
export { createOutputSource } from './output.js';
