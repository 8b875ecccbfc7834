import { describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { settingsTable } from "../../main/cli/settings-table";

describe("README", () => {
  it("has the settings table generated from the schema (run `npm run docs:settings` after changing settings)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const table = /<!-- settings-table:start -->\n([\s\S]*?)\n<!-- settings-table:end -->/.exec(readme)?.[1];
    expect(table).toBe(settingsTable());
  });

  it("gives the two set-up commands, and .ci/run runs the test one exactly", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const ci = readFileSync(new URL("../../.ci/run", import.meta.url), "utf8");
    expect(readme).toContain("npm ci && npm start");
    const testCommand = "npm ci && npm run test:deps && npm test";
    expect(readme).toContain(testCommand);
    expect(ci).toContain(testCommand);
  });

  it("links only to files inside the repository that exist (the design document included)", () => {
    const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
    const links = [...readme.matchAll(/\]\(([^)#]+)(?:#[^)]*)?\)|`(\.\.\/[^`]+)`/g)].map((m) => m[1] ?? m[2]!).filter((link) => !/^[a-z]+:/.test(link));
    expect(links).toContain("docs/ARCHITECTURE.md");
    for (const link of links) {
      expect(link.startsWith("../"), `${link} is outside the repository`).toBe(false);
      expect(existsSync(new URL(`../../${link}`, import.meta.url)), `${link} does not exist`).toBe(true);
    }
  });
});
