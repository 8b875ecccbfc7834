import { describe, expect, it } from "vitest";
import { parse } from "smol-toml";
import { setTomlKeys, type TomlWrite } from "../../main/pod/diaspora-toml";
import { exampleToml } from "./fake-checkout";

const env = ["configuration", "environment"];
const url = (value: string): TomlWrite => ({ table: env, key: "url", value });

describe("diaspora.toml editing", () => {
  it("replaces an active key in place, keeping its neighbours and comments, and reports the old value", () => {
    const text = '# top comment\n[configuration.environment]\n## the URL\nurl = "https://old.example/"  \nredis = "redis://x"\n';
    const out = setTomlKeys(text, [url("https://new.example/")]);
    expect(out.text).toBe('# top comment\n[configuration.environment]\n## the URL\nurl = "https://new.example/"\nredis = "redis://x"\n');
    expect(out.changes).toEqual([{ key: "configuration.environment.url", from: "https://old.example/", to: "https://new.example/" }]);
  });

  it("puts a new key right after its commented-out example", () => {
    const out = setTomlKeys(exampleToml.replace("REDIS_LINE", ""), [{ table: ["configuration", "server"], key: "listen", value: "tcp://127.0.0.1:3000" }]);
    expect(out.text).toContain('#listen = "unix://tmp/diaspora.sock"\nlisten = "tcp://127.0.0.1:3000"\n#listen = "tcp://127.0.0.1:3000"');
    expect((parse(out.text) as { configuration: { server: unknown } }).configuration.server).toEqual({ listen: "tcp://127.0.0.1:3000" });
  });

  it("appends a missing table and writes into an empty file", () => {
    const out = setTomlKeys("", [url("https://a.example/"), { table: env, key: "require_ssl", value: true }]);
    expect(parse(out.text)).toEqual({ configuration: { environment: { url: "https://a.example/", require_ssl: true } } });
    const other = setTomlKeys('[configuration.settings]\npod_name = "x"\n', [url("https://a.example/")]);
    expect(parse(other.text)).toEqual({ configuration: { settings: { pod_name: "x" }, environment: { url: "https://a.example/" } } });
    expect(other.text.startsWith('[configuration.settings]\npod_name = "x"\n')).toBe(true);
  });

  it("changes nothing when the values are already right", () => {
    const text = '[configuration.environment]\nurl = "https://a.example/" # set by podhost\n';
    expect(setTomlKeys(text, [url("https://a.example/")])).toEqual({ text, changes: [] });
  });

  it("refuses, with the keys to set by hand, when the key is written as a dotted key it cannot edit", () => {
    const text = '[configuration]\nenvironment.url = "https://old.example/"\n';
    expect(() => setTomlKeys(text, [url("https://new.example/")])).toThrow(/could not safely update config\/diaspora\.toml/);
    try {
      setTomlKeys(text, [url("https://new.example/")]);
    } catch (error) {
      expect((error as { fix: string }).fix).toContain('configuration.environment.url = "https://new.example/"');
    }
  });

  it("will not touch a file that is not valid TOML", () => {
    expect(() => setTomlKeys("[configuration.environment\nurl = 1", [url("https://a.example/")])).toThrow(/config\/diaspora\.toml is not valid TOML/);
  });
});
