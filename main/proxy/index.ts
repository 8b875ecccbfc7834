import type { ProxyStatus } from "../../shared/proxy";
import type { ProxyListeners } from "../contracts";
import type { Service } from "../service";
import { ProxyServiceImpl, type ProxyDeps } from "./service";

export type { ProxyDeps } from "./service";
export type { ProxyConfig } from "./config";

export interface ProxyService extends Service<ProxyStatus> {
  /** Where the proxy listens (for port mapping and the doctor). */
  listeners(): ProxyListeners;
}

export function createProxyService(deps: ProxyDeps): ProxyService {
  return new ProxyServiceImpl(deps);
}
