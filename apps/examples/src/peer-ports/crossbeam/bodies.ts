// Every thread body of the crossbeam ports, by name (`<upstream file>.<test>.<thread>`, or
// `common.<what>` for the shared ones), for `thread.ts` to run.
import { arrayBodies } from "./array-bodies.ts";
import { commonBodies } from "./common-bodies.ts";
import { golangBodies } from "./golang-bodies.ts";
import { mpscBodies } from "./mpsc-bodies.ts";

export const bodies = { ...arrayBodies, ...commonBodies, ...golangBodies, ...mpscBodies };
