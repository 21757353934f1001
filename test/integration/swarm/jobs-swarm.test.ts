// The jobs suite (../jobs-suite.ts) on the swarm runtime: a private two-node swarm of private dockerds
// (test/support/swarm.ts), started once for the file.
import { swarmTarget } from '../../support/runtime-target.js';
import { jobsSuite } from '../jobs-suite.js';

jobsSuite(swarmTarget());
