import type { DnsAddresses, DnsUpdateResult } from "../../shared/dns";
import type { StatusExtraProps } from "../status/extras";
import { Facts, Time } from "../components/Facts";
import { TableHead } from "../components/TableHead";

const outcomeWords: Record<DnsUpdateResult["outcome"], string> = {
  accepted: "accepted",
  skipped: "nothing sent",
  stopped: "stopped (needs new settings)",
  waiting: "waiting",
  retrying: "will retry",
};

export const addressList = (addresses: DnsAddresses | undefined) => [addresses?.ipv4, addresses?.ipv6].filter(Boolean).join(", ");

/** The Status page's Domain card: what is published, what this connection's address is, and the last 20 updates. */
export function DomainDetails({ status }: StatusExtraProps) {
  const dns = status.dns;
  if (dns.state === "off") return null;
  const detected = dns.detected && addressList(dns.detected) ? `${addressList(dns.detected)} (from ${dns.detected.source})` : undefined;
  return (
    <>
      <Facts
        name="dns"
        items={[
          ["Name", dns.name],
          ["Published address", addressList(dns.published) || "none yet"],
          ["This connection's address", detected],
          ["Last check", <Time ms={dns.lastCheckAt} />],
          ["Last update", dns.lastUpdate ? <><Time ms={dns.lastUpdate.at} />: {outcomeWords[dns.lastUpdate.outcome]}</> : undefined],
        ]}
      />
      {dns.history.length > 0 ? (
        <table className="processes history" data-dns-history="">
            <TableHead caption="Update history" columns={["Time", "Sent", "Answer", "Outcome"]} />
            <tbody>
              {dns.history.slice(0, 20).map((entry, index) => (
                <tr key={`${entry.at}-${index}`} data-outcome={entry.outcome}>
                  <td>
                    <Time ms={entry.at} short />
                  </td>
                  <td>{addressList(entry.sent) || "nothing"}</td>
                  <td>{entry.answer ?? ""}</td>
                  <td>{outcomeWords[entry.outcome]}</td>
                </tr>
              ))}
            </tbody>
        </table>
      ) : (
        <p className="muted">No updates sent yet.</p>
      )}
    </>
  );
}
