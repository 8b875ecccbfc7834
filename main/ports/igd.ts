import type { XMLParser } from "fast-xml-parser";
import type { RouterKind } from "../../shared/ports";
import { httpExchange, type HttpReply } from "./http";
import { PortMappingError, type MappingEntry, type MappingRequest, type PortMapper } from "./mapper";

let parser: XMLParser | undefined;

/** The XML parser, loaded when a router is first asked something (most starts never use UPnP). */
async function xml(): Promise<XMLParser> {
  parser ??= new (await import("fast-xml-parser")).XMLParser({ removeNSPrefix: true, parseTagValue: false, ignoreAttributes: true });
  return parser;
}
const requestTimeoutMs = 3000;

interface ConnectionService {
  serviceType: string;
  controlUrl: string;
}

type XmlNode = Record<string, unknown>;

function asList(value: unknown): XmlNode[] {
  if (value === undefined || value === null || value === "") return [];
  return (Array.isArray(value) ? value : [value]) as XmlNode[];
}

/** The WAN(IP|PPP)Connection service anywhere in the device tree, preferring IGD v2's WANIPConnection:2. */
function findConnectionService(device: XmlNode, base: string): ConnectionService | undefined {
  const found: ConnectionService[] = [];
  const walk = (node: XmlNode) => {
    for (const service of asList((node.serviceList as XmlNode | undefined)?.service)) {
      const serviceType = String(service.serviceType ?? "");
      if (/:service:WAN(IP|PPP)Connection:\d$/.test(serviceType)) found.push({ serviceType, controlUrl: new URL(String(service.controlURL ?? ""), base).href });
    }
    for (const child of asList((node.deviceList as XmlNode | undefined)?.device)) walk(child);
  };
  walk(device);
  return found.sort((a, b) => rank(b.serviceType) - rank(a.serviceType))[0];
}

function rank(serviceType: string): number {
  if (serviceType.endsWith("WANIPConnection:2")) return 3;
  if (serviceType.includes("WANIPConnection")) return 2;
  return 1;
}

/** Fetch a device description; undefined when it is no internet gateway. */
export async function describeGateway(location: string, lanAddress: string): Promise<IgdClient | undefined> {
  const response = await httpExchange(location, { timeoutMs: requestTimeoutMs });
  if (response.status !== 200) return undefined;
  const root = ((await xml()).parse(response.body) as XmlNode).root as XmlNode | undefined;
  if (!root?.device) return undefined;
  const base = typeof root.URLBase === "string" && root.URLBase ? root.URLBase : location;
  const service = findConnectionService(root.device as XmlNode, base);
  return service ? new IgdClient(service, lanAddress, location) : undefined;
}

/** A UPnP IGD v1/v2 client: SOAP over HTTP, UPnP error codes kept. */
export class IgdClient implements PortMapper {
  readonly kind: RouterKind;
  readonly routerAddress: string;
  readonly addAny?: (request: MappingRequest) => Promise<number>;

  constructor(
    private readonly service: ConnectionService,
    readonly lanAddress: string,
    /** Where its description was found: a restarted router announces itself at a new one (miniupnpd's HTTP port changes). */
    readonly location: string,
  ) {
    this.kind = service.serviceType.endsWith("WANIPConnection:2") ? "upnp-igd2" : "upnp-igd1";
    this.routerAddress = new URL(service.controlUrl).hostname;
    if (this.kind === "upnp-igd2") this.addAny = (request) => this.addAnyPortMapping(request);
  }

  async externalIp(): Promise<string> {
    const reply = await this.call("GetExternalIPAddress", {});
    return reply.NewExternalIPAddress ?? "";
  }

  async add(request: MappingRequest): Promise<number> {
    await this.call("AddPortMapping", this.mappingArgs(request));
    return request.externalPort;
  }

  private async addAnyPortMapping(request: MappingRequest): Promise<number> {
    const reply = await this.call("AddAnyPortMapping", this.mappingArgs(request));
    return Number(reply.NewReservedPort ?? request.externalPort);
  }

  async read(externalPort: number): Promise<MappingEntry | undefined> {
    try {
      const reply = await this.call("GetSpecificPortMappingEntry", { NewRemoteHost: "", NewExternalPort: String(externalPort), NewProtocol: "TCP" });
      return {
        externalPort,
        internalClient: reply.NewInternalClient ?? "",
        internalPort: Number(reply.NewInternalPort),
        description: reply.NewPortMappingDescription ?? "",
        leaseSeconds: Number(reply.NewLeaseDuration ?? 0),
      };
    } catch (error) {
      if (error instanceof PortMappingError && error.failure === "no-such-entry") return undefined;
      throw error;
    }
  }

  async remove(externalPort: number): Promise<void> {
    try {
      await this.call("DeletePortMapping", { NewRemoteHost: "", NewExternalPort: String(externalPort), NewProtocol: "TCP" });
    } catch (error) {
      // 714: already gone, which is what we wanted.
      if (!(error instanceof PortMappingError && error.failure === "no-such-entry")) throw error;
    }
  }

  private mappingArgs(request: MappingRequest): Record<string, string> {
    return {
      NewRemoteHost: "",
      NewExternalPort: String(request.externalPort),
      NewProtocol: "TCP",
      NewInternalPort: String(request.internalPort),
      NewInternalClient: this.lanAddress,
      // The order of the arguments is the spec's: some routers insist on it.
      NewEnabled: "1",
      NewPortMappingDescription: request.description,
      NewLeaseDuration: String(request.leaseSeconds),
    };
  }

  private async call(action: string, args: Record<string, string>): Promise<Record<string, string | undefined>> {
    const body =
      `<?xml version="1.0"?>\r\n<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/">` +
      `<s:Body><u:${action} xmlns:u="${this.service.serviceType}">` +
      Object.entries(args)
        .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
        .join("") +
      `</u:${action}></s:Body></s:Envelope>\r\n`;
    let response: HttpReply;
    try {
      response = await httpExchange(this.service.controlUrl, {
        method: "POST",
        headers: { "Content-Type": 'text/xml; charset="utf-8"', SOAPAction: `"${this.service.serviceType}#${action}"` },
        body,
        timeoutMs: requestTimeoutMs,
      });
    } catch (error) {
      throw new PortMappingError("unreachable", undefined, `the router did not answer ${action} (${(error as { code?: string }).code ?? (error as Error).message})`);
    }
    const envelopeBody = (((await xml()).parse(response.body) as XmlNode).Envelope as XmlNode | undefined)?.Body as XmlNode | undefined;
    const fault = ((envelopeBody?.Fault as XmlNode | undefined)?.detail as XmlNode | undefined)?.UPnPError as XmlNode | undefined;
    if (fault) throw PortMappingError.fromUpnp(Number(fault.errorCode), String(fault.errorDescription ?? ""));
    if (response.status !== 200) throw new PortMappingError("other", response.status, `the router answered ${action} with HTTP ${response.status}`);
    const reply = (envelopeBody?.[`${action}Response`] ?? {}) as XmlNode;
    return Object.fromEntries(Object.entries(reply).map(([k, v]) => [k, typeof v === "string" ? v : v === undefined ? undefined : String(v)]));
  }
}

function escapeXml(value: string): string {
  return value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
