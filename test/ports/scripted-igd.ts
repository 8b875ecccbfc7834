/**
 * A small scripted internet gateway on loopback: an SSDP responder (unicast, on a random
 * port) and a UPnP IGD SOAP server with an in-memory mapping table. Tests script the error
 * replies a real router will not give on demand (718, 725, 606, 714, 728).
 */
import { createSocket, type Socket } from "node:dgram";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { XMLParser } from "fast-xml-parser";

export interface ScriptedMapping {
  externalPort: number;
  internalClient: string;
  internalPort: number;
  description: string;
  leaseSeconds: number;
}

export interface SoapCall {
  action: string;
  args: Record<string, string>;
}

/** Return a UPnP error code to fail the call, or undefined to let the table answer. */
export type Script = (call: SoapCall) => number | undefined;

const xml = new XMLParser({ removeNSPrefix: true, parseTagValue: false });

export class ScriptedIgd {
  readonly mappings = new Map<number, ScriptedMapping>();
  readonly calls: SoapCall[] = [];
  script: Script = () => undefined;
  externalIp = "45.77.10.2";
  private http?: Server;
  private ssdp?: Socket;

  constructor(private readonly version: 1 | 2 = 2) {}

  get serviceType(): string {
    return `urn:schemas-upnp-org:service:WANIPConnection:${this.version}`;
  }

  get ssdpPort(): number {
    return (this.ssdp!.address() as AddressInfo).port;
  }

  private get httpPort(): number {
    return (this.http!.address() as AddressInfo).port;
  }

  async start(): Promise<void> {
    this.http = createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        if (req.method === "GET") {
          res.writeHead(200, { "Content-Type": "text/xml" }).end(this.description());
          return;
        }
        const { status, reply } = this.soap(body);
        res.writeHead(status, { "Content-Type": 'text/xml; charset="utf-8"' }).end(reply);
      });
    });
    await new Promise<void>((resolve) => this.http!.listen(0, "127.0.0.1", resolve));
    if (!this.ssdp) {
      this.ssdp = createSocket("udp4");
      this.ssdp.on("message", (message, from) => {
        if (!message.toString().startsWith("M-SEARCH") || !this.http?.listening) return;
        const answer = `HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: urn:schemas-upnp-org:device:InternetGatewayDevice:${this.version}\r\nLOCATION: http://127.0.0.1:${this.httpPort}/rootDesc.xml\r\n\r\n`;
        this.ssdp!.send(answer, from.port, from.address);
      });
      await new Promise<void>((resolve) => this.ssdp!.bind(0, "127.0.0.1", resolve));
    }
  }

  /** Stop answering HTTP (connection refused), as a router that restarts. */
  async stopHttp(): Promise<void> {
    const http = this.http;
    this.http = undefined;
    if (http) await new Promise((resolve) => http.close(resolve));
  }

  async close(): Promise<void> {
    await this.stopHttp();
    this.ssdp?.close();
  }

  callsOf(action: string): SoapCall[] {
    return this.calls.filter((c) => c.action === action);
  }

  private description(): string {
    return `<?xml version="1.0"?><root xmlns="urn:schemas-upnp-org:device-1-0"><device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:${this.version}</deviceType>
<deviceList><device><deviceType>urn:schemas-upnp-org:device:WANDevice:${this.version}</deviceType><deviceList><device><deviceType>urn:schemas-upnp-org:device:WANConnectionDevice:${this.version}</deviceType>
<serviceList><service><serviceType>${this.serviceType}</serviceType><controlURL>/ctl/IPConn</controlURL></service></serviceList></device></deviceList></device></deviceList></device></root>`;
  }

  private soap(body: string): { status: number; reply: string } {
    const envelopeBody = (xml.parse(body) as { Envelope: { Body: Record<string, Record<string, string>> } }).Envelope.Body;
    const action = Object.keys(envelopeBody)[0]!;
    const args = Object.fromEntries(Object.entries(envelopeBody[action] ?? {}).map(([k, v]) => [k, String(v)]));
    this.calls.push({ action, args });
    const code = this.script({ action, args }) ?? this.answer(action, args);
    if (typeof code === "number") {
      return { status: 500, reply: envelope(`<s:Fault><faultcode>s:Client</faultcode><faultstring>UPnPError</faultstring><detail><UPnPError xmlns="urn:schemas-upnp-org:control-1-0"><errorCode>${code}</errorCode><errorDescription>scripted</errorDescription></UPnPError></detail></s:Fault>`) };
    }
    const fields = Object.entries(code)
      .map(([k, v]) => `<${k}>${v}</${k}>`)
      .join("");
    return { status: 200, reply: envelope(`<u:${action}Response xmlns:u="${this.serviceType}">${fields}</u:${action}Response>`) };
  }

  /** What an honest router's table says. */
  private answer(action: string, args: Record<string, string>): Record<string, string> | number {
    const port = Number(args.NewExternalPort);
    switch (action) {
      case "GetExternalIPAddress":
        return { NewExternalIPAddress: this.externalIp };
      case "AddPortMapping":
      case "AddAnyPortMapping": {
        let external = port;
        const taken = (p: number) => this.mappings.has(p) && this.mappings.get(p)!.internalClient !== args.NewInternalClient;
        if (action === "AddAnyPortMapping") while (taken(external)) external++;
        else if (taken(external)) return 718;
        this.mappings.set(external, { externalPort: external, internalClient: args.NewInternalClient!, internalPort: Number(args.NewInternalPort), description: args.NewPortMappingDescription!, leaseSeconds: Number(args.NewLeaseDuration) });
        return action === "AddAnyPortMapping" ? { NewReservedPort: String(external) } : {};
      }
      case "GetSpecificPortMappingEntry": {
        const m = this.mappings.get(port);
        if (!m) return 714;
        return { NewInternalPort: String(m.internalPort), NewInternalClient: m.internalClient, NewEnabled: "1", NewPortMappingDescription: m.description, NewLeaseDuration: String(m.leaseSeconds) };
      }
      case "DeletePortMapping":
        return this.mappings.delete(port) ? {} : 714;
      default:
        return 401;
    }
  }
}

function envelope(inner: string): string {
  return `<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/" s:encodingStyle="http://schemas.xmlsoap.org/soap/encoding/"><s:Body>${inner}</s:Body></s:Envelope>`;
}
