import { readFileSync } from "node:fs";
import type { WebServerKind, WebServerMode } from "../../shared/webserver";

/** The operating systems whose server layouts differ. */
export type HostOs = "debian" | "fedora" | "macos" | "windows" | "other";

export function hostOs(platform: NodeJS.Platform = process.platform, osRelease = "/etc/os-release"): HostOs {
  if (platform === "darwin") return "macos";
  if (platform === "win32") return "windows";
  let release = "";
  try {
    release = readFileSync(osRelease, "utf8");
  } catch {
    return "other";
  }
  const ids = [...release.matchAll(/^(?:ID|ID_LIKE)="?([^"\n]*)"?$/gm)].flatMap((m) => m[1]!.split(" "));
  if (ids.some((id) => id === "debian" || id === "ubuntu")) return "debian";
  if (ids.some((id) => id === "fedora" || id === "rhel" || id === "centos")) return "fedora";
  return "other";
}

export interface ConfigPlace {
  path: string;
  enableSteps: string[];
}

/** Fedora's SELinux policy stops web servers from connecting to other ports until this is set. */
const selinuxStep = "sudo setsebool -P httpd_can_network_connect 1";
const apacheModules = "proxy proxy_http proxy_wstunnel headers ssl rewrite";

/** Where a snippet goes on this OS and how to switch it on (test the config before reloading). */
export function configPlace(server: WebServerKind, mode: WebServerMode, os: HostOs, domain: string, passthrough = false): ConfigPlace {
  const name = `podhost-${domain}`;
  if (mode === "port") return { path: "nowhere: your web server stays as it is (the optional port 80 block is for certificates)", enableSteps: [] };
  switch (server) {
    case "nginx":
      if (passthrough) return nginxStream(os);
      return {
        debian: { path: `/etc/nginx/sites-available/${name}`, enableSteps: [`sudo ln -s /etc/nginx/sites-available/${name} /etc/nginx/sites-enabled/${name}`, "sudo nginx -t", "sudo systemctl reload nginx"] },
        fedora: { path: `/etc/nginx/conf.d/${name}.conf`, enableSteps: [selinuxStep, "sudo nginx -t", "sudo systemctl reload nginx"] },
        macos: { path: `$(brew --prefix)/etc/nginx/servers/${name}.conf`, enableSteps: ["nginx -t", "brew services restart nginx"] },
        windows: { path: `conf\\${name}.conf in the nginx folder, with "include ${name}.conf;" inside http { } of conf\\nginx.conf`, enableSteps: ["nginx -t", "nginx -s reload"] },
        other: { path: `a file included inside http { } of nginx.conf, e.g. /etc/nginx/conf.d/${name}.conf`, enableSteps: ["sudo nginx -t", "sudo nginx -s reload"] },
      }[os];
    case "apache":
      return {
        debian: { path: `/etc/apache2/sites-available/${name}.conf`, enableSteps: [`sudo a2enmod ${apacheModules}`, `sudo a2ensite ${name}`, "sudo apache2ctl configtest", "sudo systemctl reload apache2"] },
        fedora: { path: `/etc/httpd/conf.d/${name}.conf`, enableSteps: ["sudo dnf install mod_ssl", selinuxStep, "sudo apachectl configtest", "sudo systemctl reload httpd"] },
        macos: { path: `$(brew --prefix)/etc/httpd/extra/${name}.conf, with "Include" for it in httpd.conf`, enableSteps: [`uncomment the LoadModule lines of ${apacheModules} in httpd.conf`, "apachectl configtest", "brew services restart httpd"] },
        windows: { path: `conf\\extra\\${name}.conf, with "Include conf/extra/${name}.conf" in conf\\httpd.conf`, enableSteps: [`uncomment the LoadModule lines of ${apacheModules} in httpd.conf`, "httpd -t", "httpd -k restart"] },
        other: { path: `a file included from httpd.conf, e.g. /etc/httpd/conf.d/${name}.conf`, enableSteps: [`load the modules ${apacheModules}`, "apachectl configtest", "apachectl graceful"] },
      }[os];
    case "caddy": {
      const caddyfile = { debian: "/etc/caddy/Caddyfile", fedora: "/etc/caddy/Caddyfile", macos: "$(brew --prefix)/etc/Caddyfile", windows: "the Caddyfile next to caddy.exe", other: "/etc/caddy/Caddyfile" }[os];
      const reload = os === "debian" || os === "fedora" ? "sudo systemctl reload caddy" : "caddy reload --config Caddyfile";
      return { path: `${caddyfile} (add it at the end)`, enableSteps: [`caddy validate --config ${os === "windows" ? "Caddyfile" : caddyfile}`, reload] };
    }
    case "lighttpd":
      return {
        debian: { path: "/etc/lighttpd/conf-available/50-podhost.conf", enableSteps: ["sudo lighty-enable-mod podhost", "sudo lighttpd -tt -f /etc/lighttpd/lighttpd.conf", "sudo systemctl reload lighttpd"] },
        fedora: { path: '/etc/lighttpd/conf.d/podhost.conf, with include "conf.d/podhost.conf" in lighttpd.conf', enableSteps: [selinuxStep, "sudo lighttpd -tt -f /etc/lighttpd/lighttpd.conf", "sudo systemctl reload lighttpd"] },
        macos: { path: '$(brew --prefix)/etc/lighttpd/podhost.conf, with include "podhost.conf" in lighttpd.conf', enableSteps: ["lighttpd -tt -f $(brew --prefix)/etc/lighttpd/lighttpd.conf", "brew services restart lighttpd"] },
        windows: { path: 'conf\\podhost.conf, with include "podhost.conf" in conf\\lighttpd.conf', enableSteps: ["lighttpd -tt -f conf\\lighttpd.conf", "restart lighttpd"] },
        other: { path: 'a file included from lighttpd.conf (include "podhost.conf")', enableSteps: ["lighttpd -tt -f lighttpd.conf", "restart lighttpd"] },
      }[os];
  }
}

/** The stream { } block lives at the top level of nginx.conf, beside http { }, never inside it. */
function nginxStream(os: HostOs): ConfigPlace {
  const conf = { debian: "/etc/nginx/nginx.conf", fedora: "/etc/nginx/nginx.conf", macos: "$(brew --prefix)/etc/nginx/nginx.conf", windows: "conf\\nginx.conf", other: "nginx.conf" }[os];
  const module = os === "debian" ? ["sudo apt install libnginx-mod-stream"] : os === "fedora" ? ["sudo dnf install nginx-mod-stream"] : [];
  return {
    path: `${conf}, at the top level (outside http { })`,
    enableSteps: [...module, "move your own HTTPS sites from \"listen 443 ssl\" to the port the snippet names", "sudo nginx -t", "sudo systemctl reload nginx"],
  };
}
