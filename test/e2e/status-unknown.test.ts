import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openPodhostUi, type UiSession } from "../helpers/ui-session";

let session: UiSession;
beforeAll(async () => {
  session = await openPodhostUi();
});
afterAll(() => session?.close());

describe("the Status page when podhost stops answering", () => {
  it("claims nothing: each card says 'unknown since HH:MM' and what was last known, under the 'lost touch' banner", async () => {
    const { page, served } = session;
    await page.locator('[data-service="pod"][data-state="not-configured"]').waitFor();
    await served.stop();
    await page.getByText("Lost touch with podhost: reconnecting…").waitFor();
    for (const service of ["pod", "proxy", "certs", "ports", "dns"]) {
      const card = page.locator(`[data-service="${service}"]`);
      await expect(card.getAttribute("data-state")).resolves.toBe("unknown");
      await expect(card.locator(".pill").textContent()).resolves.toMatch(/^unknown since \d\d:\d\d$/);
      await expect(card.locator(".message").textContent()).resolves.toMatch(/^podhost has not answered since \d\d:\d\d\. Last known: /);
    }
    await expect(page.locator('[data-service="pod"] .message').textContent()).resolves.toContain("Last known: not configured,");
  });
});
