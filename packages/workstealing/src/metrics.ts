// Runtime metrics (the runtime's `metrics: true` option), in shared memory: per job name, run-time
// and wait-time histograms; per processor, time parked and time alive. Each processor's machine
// writes its own region only (one writer per word, plain increments), the runtime's thread reads
// them all with Atomics.load. A job is counted before its settlement, whose state store is
// sequentially consistent and which a joiner reads with Atomics.load: whoever has seen a job
// settled sees it counted. Otherwise a reading may be a moment stale, which is what a metric is.

/** Job names that get histograms of their own; a job set's later names share the last one. */
export const METRIC_JOBS = 64;
/** Buckets per histogram: 4 per power of two of µs, from 1 µs to about 2^31 µs (36 min). */
const BUCKETS = 128;
const HISTOGRAM_WORDS = BUCKETS;
const RUN = 0;
const WAIT = 1;
// Per processor, after its histograms, a float64 area: ms parked, ms alive in machines that
// ended, and when the current machine started (epoch ms; 0 when none runs).
const PARKED_MS = 0;
const ALIVE_MS = 1;
const ALIVE_SINCE = 2;
const TIME_WORDS = 4;
// Then, per job name and histogram, the exact moments of its durations (float64, in ms): their
// sum and sum of squares (for the mean and standard deviation), least and greatest. Written by
// the processor's machine only (plain, as the times); MIN starts at Infinity (metricsBuffer).
const SUM = 0;
const SUM_SQUARES = 1;
const MIN = 2;
const MAX = 3;
const MOMENTS = 4;
const MOMENT_VALUES = METRIC_JOBS * 2 * MOMENTS;

/** Where a processor's float64 areas start, in int32 words from its first (a multiple of 2). */
const TIMES_AT = METRIC_JOBS * 2 * HISTOGRAM_WORDS;
const MOMENTS_AT = TIMES_AT + TIME_WORDS * 2;
/** The words of one processor: its histograms, its times, its moments (float64, 2 words each). */
const processorWords = MOMENTS_AT + MOMENT_VALUES * 2;

/** The bucket of a duration in ms: 0 up to 1 µs, then 4 per power of two. */
function bucketOf(ms: number): number {
  const us = ms * 1_000;
  if (!(us > 1)) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(4 * Math.log2(us)));
}

/** The upper bound of bucket `b`, in ms (a percentile is reported as this: at most 19 % high). */
function bucketBound(b: number): number {
  return b === 0 ? 0.001 : 2 ** (b / 4) / 1_000;
}

/** Now, in ms since the epoch, comparable between threads (to well under a ms). */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * One histogram's durations, in ms: percentiles (bucket upper bounds), and the exact mean,
 * least, greatest and standard deviation (piscina's `runTime` / `waitTime` summaries). With no
 * duration recorded, every figure is 0.
 */
export interface DurationStats {
  /** How many durations were recorded. */
  readonly count: number;
  /** Their mean, in ms. */
  readonly mean: number;
  /** The shortest, in ms. */
  readonly min: number;
  /** The longest, in ms. */
  readonly max: number;
  /** Their population standard deviation, in ms. */
  readonly stddev: number;
  /** The median, in ms. */
  readonly p50: number;
  /** The 90th percentile, in ms. */
  readonly p90: number;
  /** The 99th percentile, in ms. */
  readonly p99: number;
}

/** Metrics of one job name. */
export interface JobMetrics {
  /** From the start of the job's call to its settlement (a coroutine's waits included). */
  readonly run: DurationStats;
  /** From the spawn to the start of the job's call (time queued). */
  readonly wait: DurationStats;
}

/** One worker's (or extra machine's) counters, as tokio's `RuntimeMetrics` per worker. */
export interface WorkerMetrics {
  /** Jobs started (children joined in place included). */
  readonly jobsRun: number;
  /** Successful steals. */
  readonly steals: number;
  /** The jobs those steals took. */
  readonly jobsStolen: number;
  /** Times it parked for want of work. */
  readonly parks: number;
  /** Time not parked while its thread ran ÷ time since the runtime started (0 to 1). */
  readonly busyRatio: number;
}

/** What {@linkcode Runtime.metrics} returns. */
export interface RuntimeMetrics {
  /** Per job name that has run at least once. */
  readonly jobs: Readonly<Record<string, JobMetrics>>;
  /** Per processor: the workers first, then the extra machines' slots. */
  readonly workers: readonly WorkerMetrics[];
  /** Steals, summed over the workers. */
  readonly steals: number;
  /** Parks, summed over the workers. */
  readonly parks: number;
  /** Jobs in the injector now (spawned from the runtime's thread, not taken by a worker yet). */
  readonly injectorDepth: number;
  /** Extra machines started since the runtime started (blocking resilience). */
  readonly extraMachinesStarted: number;
  /** Ms since the runtime started. */
  readonly elapsedMs: number;
  /**
   * The pool's utilization (piscina's `utilization`): the time the workers were busy (not parked
   * while their threads ran) ÷ the time `workers` threads had since the start, 0 to 1 (extra
   * machines left out). `NaN` without the `metrics: true` option.
   */
  readonly utilization: number;
}

/** The shared memory of the metrics of `processors` processors. */
export function metricsBuffer(processors: number): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(processors * processorWords * 4);
  for (let p = 0; p < processors; p++) {
    const moments = momentsOf(buffer, p);
    for (let at = MIN; at < MOMENT_VALUES; at += MOMENTS) moments[at] = Infinity;
  }
  return buffer;
}

/** Processor `p`'s moments: per job name, its run's then its wait's {@linkcode MOMENTS} values. */
function momentsOf(buffer: SharedArrayBuffer, p: number): Float64Array {
  return new Float64Array(buffer, (p * processorWords + MOMENTS_AT) * 4, MOMENT_VALUES);
}

/** Adds duration `ms` to the moments at `at`. */
function addMoment(moments: Float64Array, at: number, ms: number): void {
  moments[at + SUM]! += ms;
  moments[at + SUM_SQUARES]! += ms * ms;
  if (ms < moments[at + MIN]!) moments[at + MIN] = ms;
  if (ms > moments[at + MAX]!) moments[at + MAX] = ms;
}

/** A machine's writer of its processor's metrics. */
export class MetricsRecorder {
  readonly #words: Int32Array;
  readonly #times: Float64Array;
  readonly #moments: Float64Array;

  constructor(buffer: SharedArrayBuffer, processor: number) {
    const at = processor * processorWords * 4;
    this.#words = new Int32Array(buffer, at, TIMES_AT);
    this.#times = new Float64Array(buffer, at + TIMES_AT * 4, TIME_WORDS);
    this.#moments = momentsOf(buffer, processor);
  }

  /** A job of number `job` ran for `runMs` after waiting `waitMs`. */
  job(job: number, waitMs: number, runMs: number): void {
    const slot = Math.min(job, METRIC_JOBS - 1) * 2;
    const base = slot * HISTOGRAM_WORDS;
    this.#words[base + RUN * HISTOGRAM_WORDS + bucketOf(runMs)]!++;
    this.#words[base + WAIT * HISTOGRAM_WORDS + bucketOf(waitMs)]!++;
    addMoment(this.#moments, (slot + RUN) * MOMENTS, runMs);
    addMoment(this.#moments, (slot + WAIT) * MOMENTS, waitMs);
  }

  /** The machine parked for `ms`. */
  parked(ms: number): void {
    this.#times[PARKED_MS]! += ms;
  }

  /** The machine started (its thread is alive from now). */
  started(): void {
    this.#times[ALIVE_SINCE] = epochMs();
  }
}

/** The runtime thread's view: marks machines' exits, and reads everything. */
export class MetricsReader {
  readonly #buffer: SharedArrayBuffer;
  readonly #processors: number;
  readonly #startedAt = epochMs();

  constructor(buffer: SharedArrayBuffer, processors: number) {
    this.#buffer = buffer;
    this.#processors = processors;
  }

  #times(p: number): Float64Array {
    return new Float64Array(this.#buffer, (p * processorWords + TIMES_AT) * 4, TIME_WORDS);
  }

  /** Processor `p`'s machine exited (its thread is gone): its alive time so far is banked. */
  exited(p: number): void {
    const times = this.#times(p);
    const since = times[ALIVE_SINCE]!;
    if (since > 0) times[ALIVE_MS]! += epochMs() - since;
    times[ALIVE_SINCE] = 0;
  }

  /** Each processor's busy ratio: (time alive - time parked) ÷ time since the runtime started. */
  busyRatio(p: number): number {
    const times = this.#times(p);
    const now = epochMs();
    const since = times[ALIVE_SINCE]!;
    const alive = times[ALIVE_MS]! + (since > 0 ? now - since : 0);
    const elapsed = now - this.#startedAt;
    return elapsed <= 0 ? 0 : Math.min(1, Math.max(0, (alive - times[PARKED_MS]!) / elapsed));
  }

  /** Ms since the runtime started. */
  get elapsedMs(): number {
    return epochMs() - this.#startedAt;
  }

  /** Per job name (index order of `names`), summed over the processors. */
  jobs(names: readonly string[]): Record<string, JobMetrics> {
    const out: Record<string, JobMetrics> = {};
    const sums = new Float64Array(2 * HISTOGRAM_WORDS);
    const moments = new Float64Array(2 * MOMENTS);
    const allMoments = Array.from({ length: this.#processors }, (_, p) => momentsOf(this.#buffer, p));
    for (let j = 0; j < Math.min(names.length, METRIC_JOBS); j++) {
      sums.fill(0);
      for (let p = 0; p < this.#processors; p++) {
        const words = new Int32Array(
          this.#buffer,
          (p * processorWords + j * 2 * HISTOGRAM_WORDS) * 4,
          2 * HISTOGRAM_WORDS,
        );
        for (let i = 0; i < 2 * HISTOGRAM_WORDS; i++) sums[i]! += Atomics.load(words, i);
      }
      for (let kind = 0; kind < 2; kind++) {
        const at = kind * MOMENTS;
        moments.set([0, 0, Infinity, -Infinity], at);
        for (const own of allMoments) {
          const from = (j * 2 + kind) * MOMENTS;
          moments[at + SUM]! += own[from + SUM]!;
          moments[at + SUM_SQUARES]! += own[from + SUM_SQUARES]!;
          moments[at + MIN] = Math.min(moments[at + MIN]!, own[from + MIN]!);
          moments[at + MAX] = Math.max(moments[at + MAX]!, own[from + MAX]!);
        }
      }
      const run = stats(sums.subarray(0, HISTOGRAM_WORDS), moments.subarray(0, MOMENTS));
      if (run.count === 0) continue;
      const name = j === METRIC_JOBS - 1 && names.length > METRIC_JOBS ? "(others)" : names[j] as string;
      out[name] = { run, wait: stats(sums.subarray(HISTOGRAM_WORDS), moments.subarray(MOMENTS)) };
    }
    return out;
  }
}

/**
 * The figures of one histogram's `buckets` and `moments` (summed over the processors). The
 * moments are read without Atomics, as the times are: a reading taken while a job is counted may
 * have that job in the buckets and not yet in the sum, which is what a metric may be.
 */
function stats(buckets: Float64Array, moments: Float64Array): DurationStats {
  let count = 0;
  for (const n of buckets) count += n;
  if (count === 0) return { count, mean: 0, min: 0, max: 0, stddev: 0, p50: 0, p90: 0, p99: 0 };
  const mean = moments[SUM]! / count;
  // Population variance as E[x²] − E[x]²: cancellation can make it slightly negative.
  const stddev = Math.sqrt(Math.max(0, moments[SUM_SQUARES]! / count - mean * mean));
  const at = (q: number): number => {
    const rank = Math.ceil(q * count);
    let seen = 0;
    for (let b = 0; b < buckets.length; b++) {
      seen += buckets[b]!;
      if (seen >= rank) return bucketBound(b);
    }
    return bucketBound(buckets.length - 1);
  };
  return { count, mean, min: moments[MIN]!, max: moments[MAX]!, stddev, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}
