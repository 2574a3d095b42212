import { KEY } from "./construct-key.ts";
import {
  checkOptions,
  type Context,
  describe,
  fromPromise,
  type Future,
  noPublicConstructor,
  PENDING,
  permissionDenied,
  type Poll,
  SpindleError,
  unreadableError,
} from "@spindle/core";
import { closedError, isIcmpError, NetError, peerError } from "./errors.ts";
import { type BackendChoice, createBackend } from "./backends/backend-choice.ts";
import { Reactor } from "./reactor.ts";
import { checkInterest, Interest, Ready } from "./readiness.ts";
import { ReceiveQueue } from "./receive-queue.ts";
import type { Registration } from "./registration.ts";
import { SocketAddress } from "./socket-address.ts";
import { type HostAndPort, parseAddress, resolveHost } from "./host-address.ts";
import { SendsInFlight, SendTo } from "./send-to.ts";
import { SendToHost } from "./send-to-host.ts";
import { SocketOperation, WOULD_BLOCK, type WouldBlock } from "./socket-operation.ts";
import type { UdpBackend } from "./backends/udp-backend.ts";

export { WOULD_BLOCK, type WouldBlock };

/** A received datagram and its sender. */
export interface Datagram {
  /**
   * The payload, as the runtime delivered it (on Deno's `deno` backend, copied once out of the
   * reused receive buffer; up to 4 KiB, into a shared pool). It may be a view that shares its
   * `buffer` with other datagrams, as a Node `Buffer` does: use `byteOffset` / `byteLength`, and
   * copy it before transferring its `buffer`.
   */
  readonly data: Uint8Array;
  /** The sender. */
  readonly from: SocketAddress;
}

/** What `recvFrom(buffer)` wrote into the caller's buffer. */
export interface Received {
  /** Bytes written to the buffer. */
  readonly bytes: number;
  /** The sender. */
  readonly from: SocketAddress;
  /** Whether the datagram was longer than the buffer (its tail is lost, as with `recvfrom(2)`). */
  readonly truncated: boolean;
}

/**
 * A socket's counters since it was bound. At every moment, also after `close()`:
 * `received === delivered + dropped + queued + discarded`.
 */
export interface UdpStats {
  /** Datagrams that reached the socket (before it closed). */
  readonly received: number;
  /** Datagrams handed to the application. */
  readonly delivered: number;
  /** Datagrams dropped on arrival because the receive queue was full. */
  readonly dropped: number;
  /** Datagrams in the receive queue now, unread (0 once closed). */
  readonly queued: number;
  /** Datagrams that were queued, unread, when the socket closed: `close()` discards them. */
  readonly discarded: number;
  /** Datagrams the runtime reported sent. */
  readonly sent: number;
  /**
   * Sends that failed: the runtime reported an error, the connected peer's refusal failed them
   * (see {@linkcode UdpSocket.connect}), or the socket closed before the runtime took them (on
   * Deno, whose sends wait in line). Sends the runtime took but had not reported on when the
   * socket closed are in neither count: every runtime drops those reports at close (their
   * `sendTo` futures fail with `CLOSED`; the datagrams may have left).
   */
  readonly sendErrors: number;
}

/** Options of {@linkcode UdpSocket.bind}. */
export interface UdpSocketOptions {
  /** How many unread datagrams the socket keeps; newer ones are dropped and counted. Default 1024. */
  readonly receiveQueueSize?: number;
  /**
   * How many sends may be in flight before the socket stops being writable; it is writable again
   * once half of them were reported sent (as Linux reports a socket writable once half of its send
   * buffer is free), so a sender waits once per half window, not once per datagram. Default 64.
   */
  readonly sendWindow?: number;
  /** `SO_REUSEADDR`. Default false. */
  readonly reuseAddress?: boolean;
  /** For an IPv6 socket: refuse IPv4-mapped traffic. Default false. */
  readonly ipv6Only?: boolean;
  /** `SO_BROADCAST`. Default false. */
  readonly broadcast?: boolean;
  /** The TTL of outgoing datagrams, 1–255. Default: the system's. */
  readonly ttl?: number;
  /** The runtime UDP API underneath; default `"auto"`. `socket.backend` reports the one used. */
  readonly backend?: BackendChoice;
}

/** The largest UDP payload per destination family (65,535 minus the IP and UDP headers). */
const MAX_PAYLOAD = { IPv4: 65_507, IPv6: 65_527 } as const;
const DEFAULT_RECEIVE_QUEUE = 1024;
const DEFAULT_SEND_WINDOW = 64;

/**
 * A UDP socket with tokio's readiness semantics, the same on Node, Deno and Bun.
 *
 * Datagrams the runtime delivers go into a bounded receive queue (full: the newest is dropped and
 * counted in `stats()`). A task that finds the queue empty gets `PENDING` with its waker stored in
 * the socket's registration with this thread's {@linkcode Reactor}; the next datagram marks the
 * socket readable and wakes it. Readiness stays set until a `try*` call finds nothing, and only
 * the latest waker is kept. Sends are handed to the runtime with at most `sendWindow` in flight
 * (the socket is writable below that, and while the runtime takes sends: Bun's can refuse one,
 * and the socket is then not writable until Bun reports `drain`), in order on every runtime.
 *
 * @example
 * ```ts
 * import { blockOn, fromPromise, type Coroutine, LocalExecutor } from "@spindle/core";
 * import { UdpSocket } from "@spindle/reactor-net";
 *
 * const server = await UdpSocket.bind("127.0.0.1:0");
 * const client = await UdpSocket.bind("127.0.0.1:0");
 *
 * function* echoOnce(): Coroutine<void> {
 *   const { data, from } = yield* server.recvFrom();
 *   yield* server.sendTo(data, from);
 * }
 * function* ask(): Coroutine<string> {
 *   yield* client.sendTo(new TextEncoder().encode("ping"), server.localAddr());
 *   const { data } = yield* client.recvFrom();
 *   return new TextDecoder().decode(data);
 * }
 * const executor = new LocalExecutor();
 * executor.spawn(echoOnce());
 * const reply = executor.spawn(ask());
 * await executor.run();
 * console.log(await reply); // ping
 * server.close();
 * client.close();
 * ```
 */
export class UdpSocket implements Disposable {
  readonly #backend: UdpBackend;
  readonly #queue: ReceiveQueue;
  readonly #window: number;
  #registration: Registration | null = null;
  #local: SocketAddress | null = null;
  #peer: SocketAddress | null = null;
  #inFlight = 0;
  /** The runtime refused a send (would block) and has not yet said it takes sends again. */
  #runtimeBlocked = false;
  readonly #sending = new SendsInFlight();
  /** Backends waiting for room in the receive queue (see `BackendEvents.whenRoom`). */
  #roomWaiters: (() => void)[] = [];
  #lastError: Error | null = null;
  /** The options as this socket set them (no runtime reads them back; see their getters). */
  #broadcast: boolean;
  #ttl: number | null = null;
  #multicastLoop = true;
  #multicastTtl = 1;
  /**
   * The connected peer's ICMP report (refused, unreachable) that no operation has reported yet:
   * the next receive (once the queue is empty), send or `takeError()` fails with it, once — as a
   * connected kernel socket keeps one pending error (`SO_ERROR`) for its next call.
   */
  #peerError: NetError | null = null;
  /** The attempts of `recvFrom()` and `readable()` / `writable()`, made once per socket. */
  readonly #recvAttempt = (): Datagram | WouldBlock => this.tryRecvFrom();
  readonly #readableAttempt = (): undefined | WouldBlock => this.#readyNow(Ready.READABLE);
  readonly #writableAttempt = (): undefined | WouldBlock => this.#readyNow(Ready.WRITABLE);
  /** The runtime's report on a `trySendTo` datagram (no future waits for it). */
  readonly #untrackedSendDone = (error?: Error | null): void => this.#sendDone(error, null);
  #closed = false;
  /** Settled by `close()`: what a `connect` waiting for the resolver also waits for (made on first use). */
  #closing: { promise: Promise<never>; reject: (error: Error) => void } | null = null;
  #received = 0;
  #delivered = 0;
  #dropped = 0;
  #discarded = 0;
  #sent = 0;
  #sendErrors = 0;

  private constructor(key: typeof KEY, backend: UdpBackend, queueSize: number, window: number) {
    if (key !== KEY) throw noPublicConstructor("UdpSocket", "use UdpSocket.bind()", key);
    this.#backend = backend;
    this.#queue = new ReceiveQueue(queueSize);
    this.#window = window;
    this.#broadcast = backend.broadcastByDefault;
  }

  /**
   * Binds a socket to `address` (`"127.0.0.1:0"`, `"[::1]:5353"`, or a {@linkcode SocketAddress};
   * port 0 picks a free port), or to a host name's address (`"localhost:0"`: resolved once, its
   * addresses tried in the resolver's order until one binds). Throws `INVALID_ADDRESS` for a bad
   * address or option value, `RESOLVE_FAILED` for a name that does not resolve, and `BIND_FAILED`
   * when the runtime refuses; on Deno without `--allow-net`, core's `PermissionDeniedError` naming
   * that flag.
   */
  static async bind(address: string | SocketAddress, options?: UdpSocketOptions): Promise<UdpSocket> {
    options = checkOptions(options, "UdpSocket.bind()", [
      "receiveQueueSize",
      "sendWindow",
      "reuseAddress",
      "ipv6Only",
      "broadcast",
      "ttl",
      "backend",
    ]);
    const target = parseAddress(address);
    const queueSize = checkCount(
      options.receiveQueueSize === undefined ? DEFAULT_RECEIVE_QUEUE : options.receiveQueueSize,
      "receiveQueueSize",
      1 << 20,
    );
    let backend: UdpBackend | null = createBackend(options.backend === undefined ? "auto" : options.backend);
    const window = checkCount(
      options.sendWindow === undefined ? DEFAULT_SEND_WINDOW : options.sendWindow,
      "sendWindow",
      1 << 16,
    );
    if (options.ttl !== undefined) checkTtl(options.ttl);
    for (const flag of ["reuseAddress", "ipv6Only", "broadcast"] as const) {
      if (options[flag] !== undefined) checkFlag(options[flag], flag); // `"yes"` or `1` was taken as false
    }
    if (target instanceof SocketAddress) return await UdpSocket.#bindAt(target, backend, queueSize, window, options);
    // A host name: each of its addresses in the resolver's order, until one binds (as tokio does).
    let failure: unknown;
    for (const local of await resolveHost(target)) {
      try {
        return await UdpSocket.#bindAt(
          local,
          backend ?? createBackend(options.backend === undefined ? "auto" : options.backend),
          queueSize,
          window,
          options,
        );
      } catch (error) {
        if (!(error instanceof NetError && error.code === "BIND_FAILED")) throw error;
        failure = error;
        backend = null;
      }
    }
    throw failure;
  }

  /** Binds a socket to `local` with `backend` (see {@linkcode UdpSocket.bind}). */
  static async #bindAt(
    local: SocketAddress,
    backend: UdpBackend,
    queueSize: number,
    window: number,
    options: UdpSocketOptions,
  ): Promise<UdpSocket> {
    const socket = new UdpSocket(KEY, backend, queueSize, window);
    try {
      socket.#local = await backend.bind(local, {
        reuseAddress: options.reuseAddress === true,
        ipv6Only: options.ipv6Only === true,
      }, {
        datagram: (data, from) => socket.#arrived(data, from),
        error: (error) => (socket.#lastError = error),
        unreachable: (error) => socket.#unreachable(error),
        hasRoom: () => socket.#queue.length < socket.#queue.capacity,
        whenRoom: () =>
          socket.#queue.length < socket.#queue.capacity || socket.#closed
            ? Promise.resolve()
            : new Promise((resolve) => socket.#roomWaiters.push(resolve)),
        writable: () => socket.#runtimeWritable(),
      });
    } catch (error) {
      throw permissionDenied(error, `binding a UDP socket to ${local}`) ?? error;
    }
    socket.#registration = Reactor.forThisThread().register(
      { start: (registration) => registration.setReady(Ready.WRITABLE), stop: () => backend.close() },
      Interest.READABLE | Interest.WRITABLE,
    );
    try {
      if (options.broadcast === true) socket.setBroadcast(true);
      if (options.ttl !== undefined) socket.setTtl(options.ttl);
    } catch (error) {
      socket.close(); // an option the backend cannot apply (`UNSUPPORTED`) leaves no socket open
      throw error;
    }
    return socket;
  }

  /** The runtime API underneath (`"node:dgram"`, `"deno"`, `"bun"`). */
  get backend(): string {
    return this.#backend.name;
  }

  /** Whether the socket was closed. */
  get isClosed(): boolean {
    return this.#closed;
  }

  /** The address the socket is bound to. */
  localAddr(): SocketAddress {
    return this.#local!;
  }

  /** The peer set by {@linkcode UdpSocket.connect}, or `null`. */
  peerAddr(): SocketAddress | null {
    return this.#peer;
  }

  /**
   * Connects the socket to `peer`, as `connect(2)` does (replacing an earlier peer): `send` and
   * `recv` use it, the socket sends to no other address (`sendTo` another throws
   * `INVALID_ADDRESS`, as `node:dgram`, Bun and BSD sockets refuse), and datagrams from other
   * senders are discarded from now on, uncounted. The peer is set at once (for a host name such as
   * `"localhost:5353"`, once it resolved to an address of the socket's family, or the promise
   * rejects with `RESOLVE_FAILED`); the promise resolves once the kernel socket is connected, or
   * rejects with `CONNECT_FAILED` (the runtime's error as `cause`; the socket is then unconnected).
   *
   * ICMP errors for datagrams sent to the peer (port unreachable: nothing listens there) are
   * reported as tokio and the kernel report them: once, to the next operation — a waiting
   * `recv` / `recvFrom` (once the queue is empty), else the next send or receive, or
   * `takeError()` — which fails with `CONNECTION_REFUSED` (`cause.code` `ECONNREFUSED`) or
   * `PEER_UNREACHABLE`. A failing send sends nothing. Where a runtime cannot see these errors
   * (Deno), a refused datagram is lost silently, as on an unconnected socket (see the README).
   *
   * @example
   * ```ts
   * import { UdpSocket } from "@spindle/reactor-net";
   *
   * const a = await UdpSocket.bind("127.0.0.1:0");
   * const b = await UdpSocket.bind("127.0.0.1:0");
   * await a.connect(b.localAddr());
   * console.log(a.peerAddr()?.equals(b.localAddr())); // true
   * a.close();
   * b.close();
   * ```
   */
  async connect(peer: string | SocketAddress): Promise<void> {
    this.#open();
    const target = parseAddress(peer);
    let destination: SocketAddress;
    if (target instanceof SocketAddress) destination = this.#destination(target);
    else {
      // Closing the socket ends the wait at once (the resolution, if it comes, is unobserved).
      const [address] = await Promise.race([resolveHost(target, this.#local!.family), this.#whenClosed()]);
      destination = this.#destination(address!);
    }
    this.#peer = destination;
    this.#peerError = null; // a new peer: an earlier one's refusal is no longer news
    try {
      await this.#backend.connect(destination);
    } catch (error) {
      const cause = error as Error;
      if (this.#peer === destination) this.#peer = null;
      throw new NetError("CONNECT_FAILED", `could not connect to ${destination}: ${cause.message}`, { cause });
    }
  }

  /**
   * The oldest queued datagram, or {@linkcode WOULD_BLOCK} (clearing readability) when none. With
   * the queue empty, a connected peer's pending refusal is thrown instead, once (see
   * {@linkcode UdpSocket.connect}).
   */
  tryRecvFrom(): Datagram | WouldBlock;
  /**
   * `tryRecvFrom` into `buffer` (see {@linkcode Received}): tokio's `try_recv_from(&mut buf)`. A
   * buffer that is no `Uint8Array`, or whose `ArrayBuffer` was detached, is `INVALID_ARGUMENT`
   * and takes no datagram.
   */
  tryRecvFrom(buffer: Uint8Array): Received | WouldBlock;
  tryRecvFrom(buffer?: Uint8Array): Datagram | Received | WouldBlock {
    if (buffer !== undefined) return takeInto(buffer, "tryRecvFrom", this.#recvAttempt);
    this.#open();
    const queue = this.#queue;
    const from = queue.peekFrom();
    if (from === undefined) return this.#nothingQueued();
    this.#delivered++;
    const data = queue.shift();
    if (this.#roomWaiters.length > 0) this.#makeRoom();
    return { data, from };
  }

  /** The oldest datagram, or `PENDING` with `cx.waker` stored until one arrives. */
  pollRecvFrom(cx: Context): Poll<Datagram>;
  /** `pollRecvFrom` into `buffer` (tokio's `poll_recv_from` into a `ReadBuf`). */
  pollRecvFrom(cx: Context, buffer: Uint8Array): Poll<Received>;
  pollRecvFrom(cx: Context, buffer?: Uint8Array): Poll<Datagram | Received> {
    if (buffer !== undefined) return this.#pollRead<Received>(cx, () => this.tryRecvFrom(buffer));
    for (;;) {
      const datagram = this.tryRecvFrom();
      if (datagram !== WOULD_BLOCK) return datagram;
      if (this.#waitReady(cx, Interest.READABLE) === PENDING) return PENDING;
    }
  }

  /**
   * Receives a datagram (its data as delivered), or into `buffer` (see {@linkcode Received}). Any
   * number of these futures may wait on one socket; each waits as its own waiter.
   */
  recvFrom(): Future<Datagram>;
  /** Receives a datagram into `buffer`: its length, sender, and whether its tail was cut off. */
  recvFrom(buffer: Uint8Array): Future<Received>;
  recvFrom(buffer?: Uint8Array): Future<Datagram> | Future<Received> {
    if (buffer === undefined) return this.#operation(Interest.READABLE, this.#recvAttempt);
    checkBuffer(buffer, "recvFrom");
    return this.#operation(Interest.READABLE, () => takeInto(buffer, "recvFrom", () => this.tryRecvFrom()));
  }

  /**
   * The connected peer's oldest datagram, or {@linkcode WOULD_BLOCK} (clearing readability); into
   * `buffer` when given. Throws `NOT_CONNECTED` without a peer, and the peer's pending refusal once
   * the queue is empty (see {@linkcode UdpSocket.connect}).
   */
  tryRecv(): Uint8Array | WouldBlock;
  /** `tryRecv` into `buffer` (see {@linkcode Received}). */
  tryRecv(buffer: Uint8Array): Received | WouldBlock;
  tryRecv(buffer?: Uint8Array): Uint8Array | Received | WouldBlock {
    this.#connectedPeer("tryRecv");
    if (buffer === undefined) return dataOf(this.tryRecvFrom());
    checkBuffer(buffer, "tryRecv");
    return copyInto(buffer, this.tryRecvFrom());
  }

  /** `tryRecv`, or `PENDING` with `cx.waker` stored (the latest only) until a datagram arrives. */
  pollRecv(cx: Context): Poll<Uint8Array>;
  /** `pollRecv` into `buffer`. */
  pollRecv(cx: Context, buffer: Uint8Array): Poll<Received>;
  pollRecv(cx: Context, buffer?: Uint8Array): Poll<Uint8Array | Received> {
    return this.#pollRead<Uint8Array | Received>(
      cx,
      () => buffer === undefined ? this.tryRecv() : this.tryRecv(buffer),
    );
  }

  /**
   * Receives a datagram from the connected peer (into `buffer` when given); fails with
   * `CONNECTION_REFUSED` / `PEER_UNREACHABLE` when the peer's host reports it unreachable (see
   * {@linkcode UdpSocket.connect}). Throws `NOT_CONNECTED` without a peer.
   */
  recv(): Future<Uint8Array>;
  /** Receives a datagram from the connected peer into `buffer` (see {@linkcode Received}). */
  recv(buffer: Uint8Array): Future<Received>;
  recv(buffer?: Uint8Array): Future<Uint8Array> | Future<Received> {
    this.#connectedPeer("recv");
    if (buffer === undefined) return this.#operation(Interest.READABLE, () => dataOf(this.tryRecvFrom()));
    checkBuffer(buffer, "recv");
    return this.#operation(Interest.READABLE, () => takeInto(buffer, "recv", () => this.tryRecvFrom()));
  }

  /**
   * The oldest queued datagram, left in the queue: the next peek or receive gets it again, and
   * `stats()` counts it delivered only once it is received. {@linkcode WOULD_BLOCK} (clearing
   * readability) when none; with the queue empty, a connected peer's pending refusal is thrown
   * instead, once, as `recvfrom(2)` with `MSG_PEEK` reports it.
   *
   * @example
   * ```ts
   * import { LocalExecutor } from "@spindle/core";
   * import { UdpSocket } from "@spindle/reactor-net";
   *
   * const socket = await UdpSocket.bind("127.0.0.1:0");
   * const executor = new LocalExecutor();
   * executor.spawn(socket.sendTo(new TextEncoder().encode("hi"), socket.localAddr()));
   * const sender = executor.spawn(socket.peekSender());
   * await executor.run();
   * console.log((await sender).equals(socket.localAddr()), socket.stats().queued); // true 1
   * socket.close();
   * ```
   */
  tryPeekFrom(): Datagram | WouldBlock;
  /** `tryPeekFrom` into `buffer` (see {@linkcode Received}). */
  tryPeekFrom(buffer: Uint8Array): Received | WouldBlock;
  tryPeekFrom(buffer?: Uint8Array): Datagram | Received | WouldBlock {
    this.#open();
    if (buffer !== undefined) checkBuffer(buffer, "tryPeekFrom");
    const queue = this.#queue;
    const from = queue.peekFrom();
    if (from === undefined) return this.#nothingQueued();
    const datagram = { data: queue.peekData(), from };
    return buffer === undefined ? datagram : copyInto(buffer, datagram);
  }

  /** The oldest queued datagram's sender, left in the queue (see {@linkcode UdpSocket.tryPeekFrom}). */
  tryPeekSender(): SocketAddress | WouldBlock {
    this.#open();
    return this.#queue.peekFrom() ?? this.#nothingQueued();
  }

  /** `tryPeekFrom` on a connected socket: the data (or into `buffer`); `NOT_CONNECTED` without a peer. */
  tryPeek(): Uint8Array | WouldBlock;
  /** `tryPeek` into `buffer`. */
  tryPeek(buffer: Uint8Array): Received | WouldBlock;
  tryPeek(buffer?: Uint8Array): Uint8Array | Received | WouldBlock {
    this.#connectedPeer("tryPeek");
    return buffer === undefined ? dataOf(this.tryPeekFrom()) : this.tryPeekFrom(buffer);
  }

  /** `tryPeekFrom`, or `PENDING` with `cx.waker` stored (the latest only) until a datagram arrives. */
  pollPeekFrom(cx: Context): Poll<Datagram>;
  /** `pollPeekFrom` into `buffer`. */
  pollPeekFrom(cx: Context, buffer: Uint8Array): Poll<Received>;
  pollPeekFrom(cx: Context, buffer?: Uint8Array): Poll<Datagram | Received> {
    return this.#pollRead<Datagram | Received>(
      cx,
      () => buffer === undefined ? this.tryPeekFrom() : this.tryPeekFrom(buffer),
    );
  }

  /** `tryPeekSender`, or `PENDING` with `cx.waker` stored (the latest only). */
  pollPeekSender(cx: Context): Poll<SocketAddress> {
    return this.#pollRead(cx, () => this.tryPeekSender());
  }

  /** `tryPeek`, or `PENDING` with `cx.waker` stored (the latest only). */
  pollPeek(cx: Context): Poll<Uint8Array>;
  /** `pollPeek` into `buffer`. */
  pollPeek(cx: Context, buffer: Uint8Array): Poll<Received>;
  pollPeek(cx: Context, buffer?: Uint8Array): Poll<Uint8Array | Received> {
    return this.#pollRead<Uint8Array | Received>(
      cx,
      () => buffer === undefined ? this.tryPeek() : this.tryPeek(buffer),
    );
  }

  /** A future of the oldest datagram once one is queued, left in the queue (see `tryPeekFrom`). */
  peekFrom(): Future<Datagram>;
  /** `peekFrom` into `buffer`. */
  peekFrom(buffer: Uint8Array): Future<Received>;
  peekFrom(buffer?: Uint8Array): Future<Datagram> | Future<Received> {
    this.#open();
    if (buffer === undefined) return this.#operation(Interest.READABLE, () => this.tryPeekFrom());
    checkBuffer(buffer, "peekFrom");
    return this.#operation(Interest.READABLE, () => this.tryPeekFrom(buffer));
  }

  /**
   * A future of the oldest datagram's sender, left in the queue: to pick a session (DTLS, gossip)
   * before reading.
   */
  peekSender(): Future<SocketAddress> {
    this.#open();
    return this.#operation(Interest.READABLE, () => this.tryPeekSender());
  }

  /** `peekFrom` on a connected socket: the data (or into `buffer`); `NOT_CONNECTED` without a peer. */
  peek(): Future<Uint8Array>;
  /** `peek` into `buffer`. */
  peek(buffer: Uint8Array): Future<Received>;
  peek(buffer?: Uint8Array): Future<Uint8Array> | Future<Received> {
    this.#connectedPeer("peek");
    if (buffer === undefined) return this.#operation(Interest.READABLE, () => dataOf(this.tryPeekFrom()));
    checkBuffer(buffer, "peek");
    return this.#operation(Interest.READABLE, () => this.tryPeekFrom(buffer));
  }

  /**
   * `undefined` once the socket is readable (a datagram is queued, or a connected peer's refusal is
   * pending), else `PENDING` with `cx.waker` stored in the slot `pollRecvFrom` uses (the latest
   * only). Readability stays set until a `try*` receive or peek finds nothing.
   */
  pollRecvReady(cx: Context): Poll<void> {
    return this.#waitReady(cx, Interest.READABLE) === PENDING ? PENDING : undefined;
  }

  /** `undefined` once the socket is writable, else `PENDING` with `cx.waker` stored (the latest only). */
  pollSendReady(cx: Context): Poll<void> {
    return this.#waitReady(cx, Interest.WRITABLE) === PENDING ? PENDING : undefined;
  }

  /** Completes once the socket is readable (a datagram is queued). */
  readable(): Future<void> {
    return this.#operation(Interest.READABLE, this.#readableAttempt);
  }

  /**
   * Completes once the socket is writable: the runtime takes sends, and after a full send window,
   * half of it was reported sent.
   */
  writable(): Future<void> {
    return this.#operation(Interest.WRITABLE, this.#writableAttempt);
  }

  /**
   * Completes with the ready bits among `interest` once any is ready; `interest` is
   * `Interest.READABLE`, `Interest.WRITABLE` or both (`INVALID_ARGUMENT` naming it otherwise).
   */
  ready(interest: number): Future<Ready> {
    checkInterest(interest, "ready()");
    const registration = this.#registration!;
    return this.#operation(interest, () => registration.readiness & interest || WOULD_BLOCK);
  }

  /**
   * Hands `data` to the runtime for `to` (an IP address: host names are resolved by `sendTo`, which
   * can wait), or returns {@linkcode WOULD_BLOCK} (clearing writability)
   * while `sendWindow` sends are in flight or the runtime would block (nothing is sent then: the
   * datagram stays the caller's, to send again once writable). Returns the byte count; a failure
   * reported later by the runtime is counted in `stats().sendErrors` and kept for
   * {@linkcode UdpSocket.takeError}. On a connected socket, `to` must be the peer, and a pending
   * refusal of the peer is thrown instead of sending (see {@linkcode UdpSocket.connect}).
   */
  trySendTo(data: Uint8Array, to: string | SocketAddress): number | WouldBlock {
    this.#open();
    const destination = this.#sendDestination(to);
    this.#checkPayload(data, destination);
    return this.#trySend(data, destination, null);
  }

  /** `trySendTo` to the connected peer. */
  trySend(data: Uint8Array): number | WouldBlock {
    return this.trySendTo(data, this.#connectedPeer("trySend"));
  }

  /** Sends `data` to `to` once writable, or returns `PENDING` with `cx.waker` stored. */
  pollSendTo(cx: Context, data: Uint8Array, to: string | SocketAddress): Poll<number> {
    for (;;) {
      const sent = this.trySendTo(data, to);
      if (sent !== WOULD_BLOCK) return sent;
      if (this.#waitReady(cx, Interest.WRITABLE) === PENDING) return PENDING;
    }
  }

  /** `pollSendTo` the connected peer; `NOT_CONNECTED` without one. */
  pollSend(cx: Context, data: Uint8Array): Poll<number> {
    return this.pollSendTo(cx, data, this.#connectedPeer("pollSend"));
  }

  /**
   * A future that sends `data` to `to` and completes with the byte count once the runtime reports
   * it sent, or fails with `SEND_FAILED` (the runtime's error as `cause`), `CLOSED`, or on a
   * connected socket a pending refusal of the peer (see {@linkcode UdpSocket.connect}). Bad input
   * throws here, at the call. `to` may name a host (`"localhost:5353"`): the future resolves it once,
   * to an address of the socket's family, then sends (`RESOLVE_FAILED` when it does not resolve;
   * closing the socket meanwhile fails it with `CLOSED` at once).
   */
  sendTo(data: Uint8Array, to: string | SocketAddress): Future<number> {
    this.#open();
    const target = parseAddress(to);
    if (!(target instanceof SocketAddress)) return this.#sendToHost(data, target);
    const destination = this.#sendDestination(target);
    this.#checkPayload(data, destination);
    const send: SendTo = new SendTo(this.#registration!, () => this.#trySend(data, destination, send));
    return send;
  }

  /**
   * `sendTo` a host name: resolved once, to an address of the socket's family (the first the
   * resolver gives), then sent to as an address. Bad data or port 0 throw here, at the call.
   */
  #sendToHost(data: Uint8Array, target: HostAndPort): Future<number> {
    const local = this.#local!;
    this.#checkPayload(data, local); // the destination will be of the socket's family
    if (target.port === 0) throw new NetError("INVALID_ADDRESS", `cannot send to port 0 (${target.host}:0)`);
    const resolving = fromPromise(resolveHost(target, local.family));
    return new SendToHost(this.#registration!, resolving, (to) => this.sendTo(data, to));
  }

  /** `sendTo` the connected peer. */
  send(data: Uint8Array): Future<number> {
    return this.sendTo(data, this.#connectedPeer("send"));
  }

  /** Counters since the socket was bound. */
  stats(): UdpStats {
    return {
      received: this.#received,
      delivered: this.#delivered,
      dropped: this.#dropped,
      queued: this.#queue.length,
      discarded: this.#discarded,
      sent: this.#sent,
      sendErrors: this.#sendErrors,
    };
  }

  /**
   * The connected peer's pending refusal (see {@linkcode UdpSocket.connect}), else the last
   * asynchronous error the runtime reported (a failed `trySendTo`…), then `null`.
   */
  takeError(): Error | null {
    if (this.#peerError !== null) return this.#takePeerError();
    const error = this.#lastError;
    this.#lastError = null;
    return error;
  }

  /**
   * Sets `SO_BROADCAST`: whether the socket may send to broadcast addresses. `UNSUPPORTED` for
   * `false` on the `"deno"` backend (Deno turns it on for every UDP socket).
   */
  setBroadcast(on: boolean): void {
    this.#setOption("broadcast", checkFlag(on, "broadcast"), () => this.#backend.setBroadcast(on));
    this.#broadcast = on;
  }

  /** `SO_BROADCAST` as this socket set it: off unless set (on with the `"deno"` backend, always). */
  broadcast(): boolean {
    this.#open();
    return this.#broadcast;
  }

  /** Sets the TTL (IPv6: the unicast hop limit) of outgoing datagrams, 1–255. */
  setTtl(ttl: number): void {
    this.#setOption("ttl", checkTtl(ttl), () => this.#backend.setTtl(ttl));
    this.#ttl = ttl;
  }

  /**
   * The TTL this socket set (`ttl` option or {@linkcode UdpSocket.setTtl}), or `null` when it set
   * none and the system's default applies (Linux: `net.ipv4.ip_default_ttl`, 64): no runtime
   * reads the option back from the kernel.
   */
  ttl(): number | null {
    this.#open();
    return this.#ttl;
  }

  /**
   * Sets `IP_MULTICAST_LOOP` on an IPv4 socket: whether multicast it sends is looped back to this
   * host's members. On the `"deno"` backend, only once a group is joined (see the README).
   *
   * @example
   * ```ts
   * import { UdpSocket } from "@spindle/reactor-net";
   *
   * const socket = await UdpSocket.bind("0.0.0.0:0", { backend: "node:dgram" });
   * socket.setMulticastLoopV4(false);
   * socket.setMulticastTtlV4(4);
   * console.log(socket.multicastLoopV4(), socket.multicastTtlV4()); // false 4
   * socket.close();
   * ```
   */
  setMulticastLoopV4(on: boolean): void {
    this.#setMulticastLoop("IPv4", on);
  }

  /** `IP_MULTICAST_LOOP` as this IPv4 socket set it: on unless set (the system's default). */
  multicastLoopV4(): boolean {
    this.#family("multicastLoopV4", "IPv4");
    return this.#multicastLoop;
  }

  /** Sets `IPV6_MULTICAST_LOOP` on an IPv6 socket (see {@linkcode UdpSocket.setMulticastLoopV4}). */
  setMulticastLoopV6(on: boolean): void {
    this.#setMulticastLoop("IPv6", on);
  }

  /** `IPV6_MULTICAST_LOOP` as this IPv6 socket set it: on unless set. */
  multicastLoopV6(): boolean {
    this.#family("multicastLoopV6", "IPv6");
    return this.#multicastLoop;
  }

  /** Sets `IP_MULTICAST_TTL` on an IPv4 socket, 0–255 (0: this host only). */
  setMulticastTtlV4(ttl: number): void {
    this.#family("multicastTtlV4", "IPv4");
    if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 0 || ttl > 255) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `multicastTtlV4 must be an integer from 0 to 255, got ${describe(ttl)}`,
      );
    }
    this.#setOption("multicastTtlV4", ttl, () => this.#backend.setMulticastTtl(ttl));
    this.#multicastTtl = ttl;
  }

  /** `IP_MULTICAST_TTL` as this IPv4 socket set it: 1 unless set (the system's default). */
  multicastTtlV4(): number {
    this.#family("multicastTtlV4", "IPv4");
    return this.#multicastTtl;
  }

  /**
   * Sets the interface outgoing multicast leaves by: a local address (`"127.0.0.1"`), for IPv6 with
   * a scope (`"::%eth0"`), as `node:dgram`'s `setMulticastInterface`. `OPTION_FAILED` when the
   * runtime refuses it.
   */
  setMulticastInterface(iface: string): void {
    if (typeof iface !== "string") {
      throw new SpindleError("INVALID_ARGUMENT", `multicastInterface must be an address, got ${describe(iface)}`);
    }
    this.#setOption("multicastInterface", iface, () => this.#backend.setMulticastInterface(iface));
  }

  /**
   * Sets `IP_TOS` / the IPv6 traffic class, 0–255: no runtime's UDP API offers it (Node 22 / 24,
   * Deno 2.9, Bun 1.4), so every backend throws `UNSUPPORTED` naming the runtime.
   */
  setTos(tos: number): void {
    if (typeof tos !== "number" || !Number.isInteger(tos) || tos < 0 || tos > 255) {
      throw new SpindleError("INVALID_ARGUMENT", `tos must be an integer from 0 to 255, got ${describe(tos)}`);
    }
    this.#setOption("tos", tos, () => this.#backend.setTos(tos));
  }

  /** `IP_TOS`: no runtime reads it, so every backend throws `UNSUPPORTED` (see `setTos`). */
  tos(): number {
    this.#open();
    return this.#backend.tos();
  }

  /** Sets `SO_RCVBUF`, in bytes (the kernel doubles it, and caps it at `net.core.rmem_max`). */
  setRecvBufferSize(bytes: number): void {
    checkCount(bytes, "recvBufferSize", 0x7fff_ffff);
    this.#setOption("recvBufferSize", bytes, () => this.#backend.setRecvBufferSize(bytes));
  }

  /** `SO_RCVBUF` as the kernel reports it (`node:dgram` on Node and Bun only; see the README). */
  recvBufferSize(): number {
    this.#open();
    return this.#backend.recvBufferSize();
  }

  /** Sets `SO_SNDBUF`, in bytes (the kernel doubles it, and caps it at `net.core.wmem_max`). */
  setSendBufferSize(bytes: number): void {
    checkCount(bytes, "sendBufferSize", 0x7fff_ffff);
    this.#setOption("sendBufferSize", bytes, () => this.#backend.setSendBufferSize(bytes));
  }

  /** `SO_SNDBUF` as the kernel reports it (`node:dgram` on Node and Bun only; see the README). */
  sendBufferSize(): number {
    this.#open();
    return this.#backend.sendBufferSize();
  }

  /** Joins a multicast group (an IP literal), on `iface` (an address) or the default interface. */
  joinMulticast(group: string, iface?: string): void {
    this.#open();
    this.#backend.joinMulticast(new SocketAddress(group, 0).address, iface);
  }

  /** Leaves a multicast group joined with {@linkcode UdpSocket.joinMulticast}. */
  leaveMulticast(group: string, iface?: string): void {
    this.#open();
    this.#backend.leaveMulticast(new SocketAddress(group, 0).address, iface);
  }

  /**
   * Closes the socket: queued datagrams are discarded (counted in `stats().discarded`), and every
   * task waiting on it — to receive, to send, or for readiness — is woken and fails with
   * `CLOSED`. Closing twice is harmless.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closing?.reject(closedError());
    this.#discarded += this.#queue.clear();
    const registration = this.#registration!;
    registration.setReady(Ready.CLOSED);
    registration[Symbol.dispose](); // stops the backend
    this.#sending.settleAll(closedError);
    this.#makeRoom();
  }

  /**
   * Applies an option through the backend: its `UNSUPPORTED` (a `NetError`) as it is, the
   * runtime's refusal as `OPTION_FAILED` naming the option and value.
   */
  #setOption(option: string, value: unknown, apply: () => void): void {
    this.#open();
    try {
      apply();
    } catch (error) {
      if (error instanceof NetError) throw error;
      const cause = error as Error;
      throw new NetError("OPTION_FAILED", `could not set ${option} to ${describe(value)}: ${cause.message}`, { cause });
    }
  }

  #setMulticastLoop(family: "IPv4" | "IPv6", on: boolean): void {
    const option = family === "IPv4" ? "multicastLoopV4" : "multicastLoopV6";
    this.#family(option, family);
    this.#setOption(option, checkFlag(on, option), () => this.#backend.setMulticastLoop(on));
    this.#multicastLoop = on;
  }

  /** Throws `CLOSED` once closed, and `INVALID_ARGUMENT` unless the socket is of `family`. */
  #family(option: string, family: "IPv4" | "IPv6"): void {
    this.#open();
    const local = this.#local!;
    if (local.family !== family) {
      throw new SpindleError(
        "INVALID_ARGUMENT",
        `${option} applies to an ${family} socket; this one is bound to ${local.family} (${local})`,
      );
    }
  }

  /** A promise that rejects with `CLOSED` when the socket closes. */
  #whenClosed(): Promise<never> {
    if (this.#closing === null) {
      let reject!: (error: Error) => void;
      const promise = new Promise<never>((_, fail) => (reject = fail));
      promise.catch(() => {}); // only ever awaited in a race: its rejection alone is no failure
      this.#closing = { promise, reject };
    }
    return this.#closing.promise;
  }

  /** Resumes the backends waiting for room in the receive queue. */
  #makeRoom(): void {
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const resume of waiters) resume();
  }

  /** Same as {@linkcode UdpSocket.close}, for `using`. */
  [Symbol.dispose](): void {
    this.close();
  }

  /** Hands `data` to the runtime; `send` is the `sendTo` future waiting for the report, if any. */
  #trySend(data: Uint8Array, to: SocketAddress, send: SendTo | null): number | WouldBlock {
    if (this.#peerError !== null) {
      this.#sendErrors++;
      throw this.#takePeerError();
    }
    if (this.#inFlight >= this.#window || this.#runtimeBlocked) {
      this.#registration!.clearReady(Ready.WRITABLE);
      if (this.#inFlight >= this.#window || this.#runtimeBlocked) return WOULD_BLOCK;
    }
    // A `sendTo` future tries again when writable: the caller may have transferred the buffer since.
    checkAttached(data, "the datagram");
    this.#inFlight++;
    if (send !== null) this.#sending.add(send);
    const done = send === null ? this.#untrackedSendDone : (error?: Error | null) => this.#sendDone(error, send);
    if (this.#backend.send(data, to, done) === false) {
      // The runtime would block: it sent nothing and will not call `done`. The datagram stays the
      // caller's (a `sendTo` future tries again once writable), so nothing is lost silently.
      this.#inFlight--;
      if (send !== null) this.#sending.remove(send);
      this.#runtimeBlocked = true;
      this.#registration!.clearReady(Ready.WRITABLE);
      return WOULD_BLOCK;
    }
    return data.byteLength;
  }

  /** The backend says the runtime takes sends again (see `BackendEvents.writable`). */
  #runtimeWritable(): void {
    this.#runtimeBlocked = false;
    if (!this.#closed && this.#inFlight < this.#window) this.#registration?.setReady(Ready.WRITABLE);
  }

  #sendDone(error: Error | null | undefined, send: SendTo | null): void {
    this.#inFlight--;
    let failure: NetError | null = null;
    if (error != null) {
      this.#sendErrors++;
      const peer = this.#peer;
      if (error instanceof NetError) failure = error; // the backend's own: CLOSED when never issued (see `SendChain.cancel`)
      else if (peer !== null && isIcmpError(error)) failure = peerError(peer.toString(), error); // the kernel's pending refusal
      else failure = new NetError("SEND_FAILED", `the runtime failed to send: ${error.message}`, { cause: error });
      // A `trySendTo` has returned already: its failure waits for `takeError` (a refusal for the
      // next operation too); sends the closing socket cancelled are no news.
      if (send === null && !this.#closed) {
        if (failure.code === "CONNECTION_REFUSED" || failure.code === "PEER_UNREACHABLE") this.#setPeerError(failure);
        else this.#lastError = failure.code === "SEND_FAILED" ? error : failure;
      }
    } else {
      this.#sent++;
    }
    if (send !== null && this.#sending.remove(send)) send.settle(failure);
    // Writability is usually still set (it is cleared only at a full window or a refused send):
    // looked at here, it costs no call per send.
    const registration = this.#registration!;
    if (
      (registration.readiness & Ready.WRITABLE) === 0 && !this.#closed && !this.#runtimeBlocked &&
      this.#inFlight <= this.#window >> 1
    ) {
      registration.setReady(Ready.WRITABLE);
    }
  }

  /** The runtime's ICMP report (see `BackendEvents.unreachable`): pending for the next operation. */
  #unreachable(error: Error): void {
    const peer = this.#peer;
    if (this.#closed || peer === null) return; // unconnected: dropped, as the kernel drops it
    this.#setPeerError(peerError(peer.toString(), error));
  }

  /** Keeps `error` for the next operation (one at a time, the latest) and wakes the receivers. */
  #setPeerError(error: NetError): void {
    this.#peerError = error;
    this.#registration!.setReady(Ready.READABLE); // the first waiting receiver fails with it
  }

  /** Takes the pending refusal (see `#peerError`), to throw; the readability it gave goes too. */
  #takePeerError(): NetError {
    const error = this.#peerError!;
    this.#peerError = null;
    if (this.#queue.length === 0) this.#registration!.clearReady(Ready.READABLE);
    return error;
  }

  #arrived(data: Uint8Array, from: SocketAddress): void {
    if (this.#closed) return;
    const peer = this.#peer;
    if (peer !== null && !peer.equals(from)) return;
    this.#received++;
    if (!this.#queue.push(data, from)) {
      this.#dropped++;
      return;
    }
    this.#registration?.setReady(Ready.READABLE);
  }

  /** Nothing is queued: the pending refusal of the peer (thrown), else would-block, clearing readability. */
  #nothingQueued(): WouldBlock {
    if (this.#peerError !== null) throw this.#takePeerError();
    this.#registration!.clearReady(Ready.READABLE);
    return WOULD_BLOCK;
  }

  /** Runs `attempt` until it finds something, waiting for readability with `cx.waker` between. */
  #pollRead<T>(cx: Context, attempt: () => T | WouldBlock): Poll<T> {
    for (;;) {
      const output = attempt();
      if (output !== WOULD_BLOCK) return output as T;
      if (this.#waitReady(cx, Interest.READABLE) === PENDING) return PENDING;
    }
  }

  /** Waits for `interest`: the ready bits, or `PENDING`; throws `CLOSED` once closed. */
  #waitReady(cx: Context, interest: number): Poll<Ready> {
    this.#open();
    const ready = this.#registration!.pollReady(cx, interest);
    if (ready !== PENDING && (ready & Ready.CLOSED) !== 0) throw closedError();
    return ready;
  }

  #readyNow(bit: number): undefined | WouldBlock {
    return (this.#registration!.readiness & bit) !== 0 ? undefined : WOULD_BLOCK;
  }

  /** A future that runs `attempt` until it does not return `WOULD_BLOCK` (see `SocketOperation`). */
  #operation<T>(interest: number, attempt: () => T | WouldBlock): Future<T> {
    return new SocketOperation(this.#registration!, interest, attempt);
  }

  #open(): void {
    if (this.#closed) throw closedError();
  }

  #destination(to: string | SocketAddress): SocketAddress {
    const destination = SocketAddress.from(to);
    const local = this.#local!;
    if (destination.family !== local.family) {
      throw new NetError(
        "INVALID_ADDRESS",
        `a socket bound to ${local.family} (${local}) cannot reach the ${destination.family} address ${destination}`,
      );
    }
    if (destination.port === 0) throw new NetError("INVALID_ADDRESS", `cannot send to port 0 (${destination})`);
    return destination;
  }

  /** `to` as a send's destination: on a connected socket, only its peer. */
  #sendDestination(to: string | SocketAddress): SocketAddress {
    const destination = this.#destination(to);
    const peer = this.#peer;
    if (peer !== null && !peer.equals(destination)) {
      throw new NetError(
        "INVALID_ADDRESS",
        `this socket is connected to ${peer} and sends only there, not to ${destination}: use send(data), or an unconnected socket`,
      );
    }
    return destination;
  }

  #checkPayload(data: Uint8Array, to: SocketAddress): void {
    checkBytes(data, "a datagram must be a Uint8Array");
    checkAttached(data, "the datagram");
    const max = to.family === "IPv4" ? MAX_PAYLOAD.IPv4 : MAX_PAYLOAD.IPv6;
    if (data.byteLength > max) {
      throw new NetError(
        "DATAGRAM_TOO_LARGE",
        `a UDP datagram over ${to.family} carries at most ${max} bytes, got ${data.byteLength}`,
      );
    }
  }

  #connectedPeer(operation: string): SocketAddress {
    this.#open();
    if (this.#peer === null) {
      throw new NetError(
        "NOT_CONNECTED",
        `${operation}() needs a peer: call connect(address) first, or use the *To variant`,
      );
    }
    return this.#peer;
  }
}

/** Throws `INVALID_ARGUMENT` unless `buffer` is a `Uint8Array`. */
function checkBuffer(buffer: unknown, operation: string): void {
  const bytes = checkBytes(buffer, `${operation}(buffer) needs a Uint8Array`);
  // A transferred buffer: copying into it would throw after the datagram was taken, losing it.
  checkAttached(bytes, `${operation}(buffer)`, "; no datagram was taken");
}

/**
 * Returns `value` if it is a `Uint8Array`, else throws `INVALID_ARGUMENT` with `needs` and the
 * value named (core's `checkInstance`, for one class). Written out for the send path: with the
 * class a constant, V8 compiles `instanceof` to a prototype comparison, where `checkInstance`'s
 * `instanceof` of a class passed in ran the generic builtins on every send.
 */
function checkBytes(value: unknown, needs: string): Uint8Array {
  let bytes: boolean;
  try {
    bytes = value instanceof Uint8Array;
  } catch (cause) {
    throw unreadableError(value, needs, cause); // a revoked Proxy
  }
  if (!bytes) throw new SpindleError("INVALID_ARGUMENT", `${needs}, got ${describe(value)}`);
  return value as Uint8Array;
}

/**
 * Throws `INVALID_ARGUMENT` naming `what` when `view`'s ArrayBuffer was detached (transferred):
 * it reads as empty, so a send would send an empty datagram. Only an empty view is looked at.
 */
function checkAttached(view: Uint8Array, what: string, consequence = ""): void {
  if (view.byteLength === 0 && (view.buffer as { detached?: boolean }).detached === true) {
    throw new SpindleError(
      "INVALID_ARGUMENT",
      `${what} got a Uint8Array whose ArrayBuffer was detached (transferred)${consequence}`,
    );
  }
}

/**
 * Takes the next datagram into `buffer`, checking first that the buffer can still take it: a
 * receive that waited may find it detached since, and must leave the datagram queued then.
 */
function takeInto(buffer: Uint8Array, operation: string, take: () => Datagram | WouldBlock): Received | WouldBlock {
  checkBuffer(buffer, operation);
  return copyInto(buffer, take());
}

/** Copies `datagram` into `buffer`, as much as fits (see {@linkcode Received}). */
function copyInto(buffer: Uint8Array, datagram: Datagram | WouldBlock): Received | WouldBlock {
  if (datagram === WOULD_BLOCK) return WOULD_BLOCK;
  const { data, from } = datagram;
  const bytes = Math.min(buffer.byteLength, data.byteLength);
  buffer.set(bytes === data.byteLength ? data : data.subarray(0, bytes));
  return { bytes, from, truncated: bytes < data.byteLength };
}

/** The data of `datagram`, or would-block. */
const dataOf = (datagram: Datagram | WouldBlock): Uint8Array | WouldBlock =>
  datagram === WOULD_BLOCK ? WOULD_BLOCK : datagram.data;

function checkCount(value: unknown, name: string, max: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > max) {
    throw new SpindleError("INVALID_ARGUMENT", `${name} must be an integer from 1 to ${max}, got ${describe(value)}`);
  }
  return value;
}

function checkFlag(on: unknown, name: string): boolean {
  if (typeof on !== "boolean") {
    throw new SpindleError("INVALID_ARGUMENT", `${name} must be a boolean, got ${describe(on)}`);
  }
  return on;
}

function checkTtl(ttl: unknown): number {
  if (typeof ttl !== "number" || !Number.isInteger(ttl) || ttl < 1 || ttl > 255) {
    throw new SpindleError("INVALID_ARGUMENT", `ttl must be an integer from 1 to 255, got ${describe(ttl)}`);
  }
  return ttl;
}
