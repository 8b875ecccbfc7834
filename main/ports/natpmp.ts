import { createSocket } from "node:dgram";
import type { RouterKind } from "../../shared/ports";
import { PortMappingError, type MappingEntry, type MappingRequest, type PortMapper } from "./mapper";

export const natPmpPort = 5351;
const opExternalAddress = 0;
const opMapTcp = 2;
/** RFC 6886 result codes; 3 (network failure) means "no external address yet". */
const resultNetworkFailure = 3;
/** 250 ms doubling: 5 attempts wait 7.75 s in all (a router may search long for a free port). */
const defaultAttempts = 5;

/** A NAT-PMP (RFC 6886) client: the fallback when the router does not speak UPnP. */
export class NatPmpClient implements PortMapper {
  readonly kind: RouterKind = "nat-pmp";
  private epoch?: { seconds: number; at: number };
  /** When the router last answered: a router known to be there is given longer before a resend. */
  private lastAnswerAt?: number;
  /** NAT-PMP cannot list mappings: what we asked for, so `read` can ask again. */
  private readonly leases = new Map<number, number>();

  constructor(
    readonly routerAddress: string,
    readonly lanAddress: string,
    private readonly port = natPmpPort,
  ) {}

  /** `attempts` is lower while discovering: discovery must end within its timeout. */
  async externalIp(attempts = defaultAttempts): Promise<string> {
    const reply = await this.request(Buffer.from([0, opExternalAddress]), 12, [resultNetworkFailure], attempts);
    if (reply.readUInt16BE(2) === resultNetworkFailure) return "";
    return [...reply.subarray(8, 12)].join(".");
  }

  async add(request: MappingRequest): Promise<number> {
    // Lifetime 0 would delete: NAT-PMP has no permanent mappings, so ask for the longest usual lease.
    const lifetime = request.leaseSeconds || 7200;
    const reply = await this.request(mapRequest(request.internalPort, request.externalPort, lifetime), 16);
    this.leases.set(request.internalPort, lifetime);
    return reply.readUInt16BE(10);
  }

  async read(externalPort: number, internalPort: number): Promise<MappingEntry | undefined> {
    const lifetime = this.leases.get(internalPort);
    if (lifetime === undefined) return undefined;
    // Asking again for the same mapping returns it as the router holds it.
    const reply = await this.request(mapRequest(internalPort, externalPort, lifetime), 16);
    return { externalPort: reply.readUInt16BE(10), internalClient: this.lanAddress, internalPort: reply.readUInt16BE(8), description: "podhost", leaseSeconds: reply.readUInt32BE(12) };
  }

  async remove(_externalPort: number, internalPort: number): Promise<void> {
    await this.request(mapRequest(internalPort, 0, 0), 16);
    this.leases.delete(internalPort);
  }

  /**
   * Send with retries from 250 ms, doubling (RFC 6886 3.1); check the result code and the epoch.
   * A mapping request to a router that answered in the last minute waits 1 s before the first
   * resend (and sends 3 times, not 5: the same 7 s in all): such a router is alive, and a slow
   * answer means it is searching for a port it allows (miniupnpd), which every resend would
   * make it do again, one after the other.
   */
  private request(message: Buffer, replyLength: number, acceptedResults: number[] = [], defaultTries = defaultAttempts): Promise<Buffer> {
    const routerBusy = message[1] === opMapTcp && this.lastAnswerAt !== undefined && Date.now() - this.lastAnswerAt < 60_000;
    const firstWaitMs = routerBusy ? 1000 : 250;
    const attempts = routerBusy ? Math.min(defaultTries, 3) : defaultTries;
    return new Promise((resolve, reject) => {
      const socket = createSocket("udp4");
      let timer: NodeJS.Timeout | undefined;
      let attempt = 0;
      const sentAt = Date.now();
      const finish = (error: Error | undefined, reply?: Buffer) => {
        clearTimeout(timer);
        socket.close();
        if (error) reject(error);
        else resolve(reply!);
      };
      const send = () => {
        if (attempt === attempts) {
          finish(new PortMappingError("unreachable", undefined, `the router at ${this.routerAddress} did not answer NAT-PMP`));
          return;
        }
        timer = setTimeout(send, firstWaitMs * 2 ** attempt++);
        socket.send(message, this.port, this.routerAddress, () => undefined);
      };
      socket.on("error", (error) => finish(new PortMappingError("unreachable", undefined, `NAT-PMP to ${this.routerAddress} failed (${error.message})`)));
      socket.on("message", (reply, from) => {
        if (from.address !== this.routerAddress || reply.length < replyLength || reply[1] !== 128 + message[1]!) return;
        const result = reply.readUInt16BE(2);
        this.lastAnswerAt = Date.now();
        const restarted = this.epochWentBack(reply.readUInt32BE(4), sentAt);
        if (restarted) finish(new PortMappingError("router-restarted", undefined, "the router restarted (NAT-PMP epoch went back) and lost its mappings"));
        else if (result !== 0 && !acceptedResults.includes(result)) finish(natPmpError(result));
        else finish(undefined, reply);
      });
      socket.bind(0, send);
    });
  }

  /**
   * RFC 6886 3.6: the router's seconds-since-start falling behind what time allows means it
   * restarted. Time is counted up to when this request was sent, not answered: a busy router
   * (miniupnpd searching for a free port) stamps its reply with the time it took the request.
   */
  private epochWentBack(seconds: number, sentAt: number): boolean {
    const previous = this.epoch;
    this.epoch = { seconds, at: Date.now() };
    if (!previous) return false;
    // Any step back is a restart; so is falling more than 2 s behind 7/8 of the time that passed.
    const expected = previous.seconds + (Math.max(0, sentAt - previous.at) / 1000) * (7 / 8);
    return seconds < previous.seconds || seconds + 2 < expected;
  }
}

function mapRequest(internalPort: number, externalPort: number, lifetime: number): Buffer {
  const message = Buffer.alloc(12);
  message[1] = opMapTcp;
  message.writeUInt16BE(internalPort, 4);
  message.writeUInt16BE(externalPort, 6);
  message.writeUInt32BE(lifetime, 8);
  return message;
}

function natPmpError(result: number): PortMappingError {
  const meaning: Record<number, [PortMappingError["failure"], string]> = {
    2: ["not-authorised", "not authorised or refused"],
    3: ["other", "network failure: the router has no internet address"],
    4: ["table-full", "out of resources"],
  };
  const [failure, text] = meaning[result] ?? ["other", "unsupported request"];
  return new PortMappingError(failure, result, `the router answered NAT-PMP result ${result} (${text})`);
}
