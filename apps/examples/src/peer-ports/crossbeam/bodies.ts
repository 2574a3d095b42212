// Every thread body of the crossbeam ports, by name (`<upstream file>.<test>.<thread>`), for `thread.ts` to run.
import { arrayBodies } from "./array-bodies.ts";
import { golangBodies } from "./golang-bodies.ts";
import { mpscBodies } from "./mpsc-bodies.ts";

export const bodies = { ...arrayBodies, ...golangBodies, ...mpscBodies };
