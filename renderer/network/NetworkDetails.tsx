import { clockTime } from "../../shared/clock-time";
import type { NatType, RouterKind } from "../../shared/ports";
import type { StatusExtraProps } from "../status/extras";
import { Facts } from "../components/Facts";
import { formatDuration } from "../words";
import { TableHead } from "../components/TableHead";

export const natWords: Record<NatType, string> = {
  unknown: "not known yet",
  public: "none in the way: the router has a public address",
  "double-nat": "double NAT: another router sits between yours and the internet",
  cgnat: "carrier-grade NAT: your provider shares one public address among many customers",
  "no-public-address": "the router has no public address",
};

const routerWords: Record<RouterKind, string> = { "upnp-igd2": "UPnP IGD v2", "upnp-igd1": "UPnP IGD v1", "nat-pmp": "NAT-PMP" };

/** The Status page's Network card: the public address, what sits in the way, the router, and the ports it opened. */
export function NetworkDetails({ status }: StatusExtraProps) {
  const ports = status.ports;
  const router = ports.router;
  return (
    <>
      <Facts
        name="ports"
        items={[
          ["External IP", ports.externalIp],
          ["NAT type", ports.natType ? natWords[ports.natType] : undefined],
          ["Router", router ? `${routerWords[router.kind]} at ${router.address}` : undefined],
          ["This PC on the home network", router?.lanAddress],
          ["Mappings read back from the router", ports.checkedAt === undefined ? undefined : `at ${clockTime(ports.checkedAt)}`],
        ]}
      />
      {ports.mappings && ports.mappings.length > 0 ? (
        <table className="processes" data-port-mappings="">
          <TableHead caption="Ports opened on the router" columns={["For", "Internet", "This PC", "Lease left"]} />
          <tbody>
            {ports.mappings.map((m) => (
              <tr key={`${m.purpose}-${m.externalPort}`}>
                <td>{m.purpose.toUpperCase()}</td>
                <td>
                  {m.protocol} {m.externalPort}
                </td>
                <td>
                  {m.internalClient}:{m.internalPort}
                </td>
                <td>{m.leaseLeftSeconds === undefined ? "permanent" : formatDuration(m.leaseLeftSeconds * 1000)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </>
  );
}
