/** The examples, in tour order, each with the one line that `npm start` prints before running it. */
export interface Example {
  readonly name: string;
  readonly about: string;
}

export const examples: readonly Example[] = [
  {
    name: "sleep-two-tasks",
    about: "two tasks on one executor sleep on the timer thread; the 10 ms sleeper finishes before the 150 + 30 ms one",
  },
  {
    name: "udp-recv-from",
    about: "a UDP echo server whose recvFrom is pending until the reactor wakes it for an arriving datagram",
  },
  {
    name: "custom-waker",
    about: "a waker built from a raw waker and a hand-written, reference-counting vtable",
  },
  {
    name: "executor-handoff",
    about: "a future that loses a select on one executor completes on another, because it replaces its waker",
  },
  {
    name: "parallel-fib",
    about: "fib(32) forks child jobs that two worker threads steal from each other; a job's error arrives intact",
  },
  {
    name: "parallel-map",
    about: "100 prime-counting jobs spawned from the main thread, shared out and stolen between two worker threads",
  },
];
