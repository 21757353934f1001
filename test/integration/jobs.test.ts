// The jobs suite (jobs-suite.ts) on the docker runtime: the machine's dockerd.
import { dockerTarget } from '../support/runtime-target.js';
import { jobsSuite } from './jobs-suite.js';

jobsSuite(dockerTarget());
