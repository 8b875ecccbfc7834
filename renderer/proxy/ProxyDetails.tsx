import type { ProxyRouteStatus } from "../../shared/proxy";
import type { StatusExtraProps } from "../status/extras";
import { Facts, Time } from "../components/Facts";
import { TableHead } from "../components/TableHead";

const kindWords: Record<ProxyRouteStatus["kind"], string> = { pod: "pod", alias: "alias (redirect)", route: "route", passthrough: "TLS passthrough" };

/** The Status page's Proxy card: its ports, where each name goes, the traffic, and the last upstream errors. */
export function ProxyDetails({ status }: StatusExtraProps) {
  const proxy = status.proxy;
  const listeners = proxy.listeners ?? [];
  const routes = proxy.routes ?? [];
  const lastErrors = proxy.lastErrors ?? [];
  return (
    <>
      <Facts
        name="proxy"
        items={[
          ["Requests per second", proxy.requestsPerSecond === undefined ? undefined : proxy.requestsPerSecond.toFixed(1)],
          ["Open connections", proxy.openConnections],
          ["Upstream errors", proxy.upstreamErrors],
        ]}
      />
      {listeners.length > 0 ? (
        <table className="processes" data-proxy-listeners="">
          <TableHead caption="Listeners" columns={["Protocol", "Port", "State"]} />
          <tbody>
            {listeners.map((listener) => (
              <tr key={`${listener.proto}-${listener.port}`} data-listener={listener.proto} data-state={listener.state}>
                <td>{listener.proto.toUpperCase()}</td>
                <td>{listener.port}</td>
                <td>
                  {listener.state}
                  {listener.problem ? <span className="cell-problem">: {listener.problem}</span> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {routes.length > 0 ? (
        <table className="processes history" data-proxy-routes="">
          <TableHead caption="Routes" columns={["Kind", "Name and path", "Goes to"]} />
          <tbody>
            {routes.map((route) => (
              <tr key={`${route.kind}-${route.host}-${route.prefix}`} data-route={route.kind}>
                <td>{kindWords[route.kind]}</td>
                <td>
                  {route.host}
                  {route.prefix}
                </td>
                <td>{route.target}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {lastErrors.length > 0 ? (
        <div data-proxy-errors="">
          <h3 className="card-subheading">Last errors</h3>
          <ul className="error-list">
            {lastErrors.map((error, index) => (
              <li key={`${error.time}-${index}`}>
                <Time ms={error.time} short />: {error.text}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </>
  );
}
