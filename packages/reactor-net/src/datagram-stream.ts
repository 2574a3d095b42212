import {
  checkInstance,
  type Context,
  drop,
  type Future,
  PENDING,
  type Poll,
  Stream,
  STREAM_END,
  type StreamEnd,
} from "@spindle/core";
import { NetError } from "./errors.ts";
import { type Datagram, UdpSocket } from "./udp-socket.ts";

/**
 * A socket's incoming datagrams as a stream, for `yield* next(stream)` or `for await`
 * (`toAsyncIterable`). Each item is taken from the socket's receive queue by the poll that returns
 * it, so dropping the stream loses none; dropping it does not close the socket. The stream ends
 * when the socket is closed; other receive errors (a connected peer's refusal) fail the poll and
 * the stream goes on.
 *
 * @example
 * ```ts
 * import { take, toAsyncIterable, toPromise } from "@spindle/core";
 * import { datagrams, UdpSocket } from "@spindle/reactor-net";
 *
 * const receiver = await UdpSocket.bind("127.0.0.1:0", { backend: "node:dgram" });
 * const sender = await UdpSocket.bind("127.0.0.1:0", { backend: "node:dgram" });
 * await toPromise(sender.sendTo(new TextEncoder().encode("hi"), receiver.localAddr()));
 * for await (const { data } of toAsyncIterable(take(datagrams(receiver), 1))) {
 *   console.log(new TextDecoder().decode(data)); // hi
 * }
 * sender.close();
 * receiver.close();
 * ```
 */
export function datagrams(socket: UdpSocket): Stream<Datagram> {
  return new DatagramStream(checkInstance(socket, UdpSocket, "datagrams() needs a UdpSocket"));
}

class DatagramStream extends Stream<Datagram> {
  readonly #socket: UdpSocket;
  /** The receive under way: kept across pending polls, so the socket keeps one waiter for the stream. */
  #receive: Future<Datagram> | null = null;
  /** Set by the drop: a dropped stream has ended, and receives nothing more from the socket. */
  #dropped = false;

  constructor(socket: UdpSocket) {
    super();
    this.#socket = socket;
  }

  pollNext(cx: Context): Poll<Datagram | StreamEnd> {
    if (this.#dropped) return STREAM_END;
    const socket = this.#socket;
    if (socket.isClosed) {
      this[Symbol.dispose]();
      return STREAM_END;
    }
    const receive = this.#receive ??= socket.recvFrom();
    let datagram: Poll<Datagram>;
    try {
      datagram = receive.poll(cx);
    } catch (error) {
      this.#receive = null;
      if (error instanceof NetError && error.code === "CLOSED") return STREAM_END;
      throw error;
    }
    if (datagram !== PENDING) this.#receive = null;
    return datagram;
  }

  override [Symbol.dispose](): void {
    this.#dropped = true;
    const receive = this.#receive;
    this.#receive = null;
    if (receive !== null) drop(receive);
  }
}
